import { describe, expect, it } from 'vitest';
import { WorkbenchError } from '../errors.js';
import { batchLength, chunk, padBatch, realLength, resolveMaxLength, toExamples, type Example } from './examples.js';
import { PAD_TOKEN } from './tokenizer.js';

const row = (text: string, label: string, line = 1) => ({ text, label, line });
const ex = (ids: number[], label = 0): Example => ({ ids, label });

describe('padding length', () => {
  it("is the longest training text (the book's 120), a fixed length, or the context, never above the context", () => {
    expect(resolveMaxLength('longest', [3, 120, 7], 1024)).toBe(120);
    expect(resolveMaxLength('longest', [3, 2000], 1024)).toBe(1024);
    expect(resolveMaxLength('context', [3, 7], 1024)).toBe(1024);
    expect(resolveMaxLength(16, [3, 120], 1024)).toBe(16);
    expect(resolveMaxLength(4096, [3], 1024)).toBe(1024);
    expect(resolveMaxLength('longest', [0, 0], 1024)).toBe(1); // only empty texts: one pad token
  });
});

describe('toExamples', () => {
  const splits = {
    train: [row('Hello, world!', 'ham'), row('Win a free prize now', 'spam')],
    val: [row('ok', 'ham')],
    test: [row('Win a free prize now, hello', 'spam')],
  };

  it('tokenizes with GPT-2 BPE, numbers labels by their order, and cuts every split to the longest training text', () => {
    const { examples, padLength } = toExamples(splits, ['ham', 'spam'], 'longest', 1024);
    expect(padLength).toBe(5); // "Win a free prize now" is 5 tokens
    expect(examples.train).toEqual([ex([15496, 11, 995, 0], 0), ex([16643, 257, 1479, 11596, 783], 1)]);
    expect(examples.val).toEqual([ex([482], 0)]);
    expect(examples.test[0].ids).toEqual([16643, 257, 1479, 11596, 783]); // 7 tokens cut to 5
    expect(examples.test[0].label).toBe(1);
  });

  it('a fixed length cuts the training texts too', () => {
    const { examples, padLength } = toExamples(splits, ['ham', 'spam'], 2, 1024);
    expect(padLength).toBe(2);
    expect(examples.train.map((e) => e.ids)).toEqual([
      [15496, 11],
      [16643, 257],
    ]);
  });

  it('rejects a label outside the label list and an empty training split', () => {
    expect(() => toExamples(splits, ['ham', 'junk'], 'longest', 1024)).toThrow(new WorkbenchError('label "spam" is not one of ham, junk'));
    expect(() => toExamples({ ...splits, train: [] }, ['ham', 'spam'], 'longest', 1024)).toThrow('the training split is empty');
  });
});

describe('batches', () => {
  const batch = [ex([1, 2, 3], 1), ex([4], 0), ex([], 1)];

  it('an empty text counts as one (pad) token', () => {
    expect(batch.map(realLength)).toEqual([3, 1, 1]);
  });

  it('last-position pads to the full length; other poolings stop at the longest row unless full padding is asked', () => {
    expect(batchLength(batch, 'last-position', 10)).toBe(10);
    expect(batchLength(batch, 'last-token', 10)).toBe(3);
    expect(batchLength(batch, 'mean', 10)).toBe(3);
    expect(batchLength(batch, 'last-token', 10, 'full')).toBe(10);
  });

  it('pads every row with the end-of-text token and keeps real lengths and labels', () => {
    expect(padBatch(batch, 4)).toEqual({
      ids: [
        [1, 2, 3, PAD_TOKEN],
        [4, PAD_TOKEN, PAD_TOKEN, PAD_TOKEN],
        [PAD_TOKEN, PAD_TOKEN, PAD_TOKEN, PAD_TOKEN],
      ],
      lengths: [3, 1, 1],
      labels: [1, 0, 1],
    });
  });

  it('chunks in order and keeps the last partial batch only when asked (the book drops it in training)', () => {
    const items = [1, 2, 3, 4, 5, 6, 7];
    expect(chunk(items, 3, false)).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(chunk(items, 3, true)).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
    expect(chunk(items, 8, false)).toEqual([]);
    expect(chunk(items, 8, true)).toEqual([items]);
    expect(chunk([], 3, true)).toEqual([]);
  });
});
