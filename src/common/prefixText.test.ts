import { describe, expect, it } from 'vitest';
import type { PrefixCacheRecord } from './api.js';
import { prefixText } from './prefixText.js';

describe('a run’s frozen prefix in words', () => {
  const p: PrefixCacheRecord = { k: 11, examples: 1494, inference: 'onnx', source: 'computed' };
  it.each<[PrefixCacheRecord, string]>([
    [p, '11 blocks on onnx, 1494 messages, computed by this run'],
    [{ ...p, k: 1, source: 'store' }, '1 block on onnx, 1494 messages, read from the prefix store'],
    [{ ...p, from: 10 }, '11 blocks on onnx, 1494 messages, the first 10 blocks read from the prefix store, the rest computed by this run'],
    [
      { ...p, source: 'store', trail: { depth: 10, source: 'read' } },
      "11 blocks on onnx, 1494 messages, read from the prefix store; the steps' dropped first 10 blocks read from a trail",
    ],
    [
      { ...p, trail: { depth: 1, source: 'written' } },
      "11 blocks on onnx, 1494 messages, computed by this run; the steps' dropped first 1 block kept as a trail for later runs",
    ],
  ])('%o', (record, text) => expect(prefixText(record)).toBe(text));

  it('formats the count as told', () => expect(prefixText(p, (n) => n.toLocaleString('en'))).toContain('1,494 messages'));
});
