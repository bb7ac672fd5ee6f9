import { describe, expect, it } from 'vitest';
import {
  formatBytes,
  formatCount,
  formatDuration,
  formatEstimate,
  formatEta,
  formatGap,
  formatGapInterval,
  formatInterval,
  formatLabels,
  formatMeanSd,
  formatPValue,
  formatPercent,
  formatPosition,
  formatRate,
  formatRunTime,
  formatSpeed,
  formatStage,
  formatValue,
} from './format.js';

describe('intervals, spreads and p-values', () => {
  it('reads an accuracy interval as a percentage range', () => {
    expect(formatInterval([0.92734, 0.97512])).toBe('92.7–97.5%');
    expect(formatInterval([0, 1], 0)).toBe('0–100%');
    expect(formatInterval(null)).toBe('—');
  });
  it('signs both ends of a gap interval, which may straddle zero', () => {
    expect(formatGapInterval([-0.0151, 0.04])).toBe('−1.5 to +4.0 pp');
    expect(formatGapInterval([0.012, 0.05])).toBe('+1.2 to +5.0 pp');
    expect(formatGapInterval([-0.0004, 0.01])).toBe('+0.0 to +1.0 pp');
    expect(formatGapInterval(undefined)).toBe('—');
  });
  it('writes mean ± sd in the unit of the figure', () => {
    expect(formatMeanSd(0.9567, 0.012, 'accuracy')).toBe('95.67% ± 1.20');
    expect(formatMeanSd(0.0123, 0.008, 'gap')).toBe('+1.23 ± 0.80 pp');
    expect(formatMeanSd(-0.02, null, 'gap')).toBe('−2.00 pp');
    expect(formatMeanSd(null, 0.1, 'accuracy')).toBe('—');
  });
  it('prints p-values the way the verdicts do', () => {
    expect(formatPValue(0.4213)).toBe('0.42');
    expect(formatPValue(0.03125)).toBe('0.031');
    expect(formatPValue(0.0004)).toBe('< 0.001');
    expect(formatPValue(1)).toBe('1.00');
    expect(formatPValue(null)).toBe('—');
  });
});

describe('formatDuration', () => {
  it('uses the two largest units', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(42.4)).toBe('42s');
    expect(formatDuration(185)).toBe('3m 05s');
    expect(formatDuration(3725)).toBe('1h 02m');
    expect(formatDuration(90_000)).toBe('25h 00m');
  });
  it('shows a dash when unknown', () => {
    expect(formatDuration(null)).toBe('—');
    expect(formatDuration(Number.NaN)).toBe('—');
    expect(formatDuration(-1)).toBe('—');
  });
});

describe('formatEta', () => {
  it('says how long is left, or nothing', () => {
    expect(formatEta(65)).toBe('1m 05s left');
    expect(formatEta(null)).toBe('');
  });
});

describe('formatPercent and formatGap', () => {
  it('reads accuracies as the book prints them', () => {
    expect(formatPercent(0.9721)).toBe('97.21%');
    expect(formatPercent(1)).toBe('100.00%');
    expect(formatPercent(0.5, 0)).toBe('50%');
    expect(formatPercent(null)).toBe('—');
  });
  it('signs gaps in percentage points', () => {
    expect(formatGap(0.0123)).toBe('+1.23 pp');
    expect(formatGap(-0.0011)).toBe('−0.11 pp');
    expect(formatGap(0)).toBe('+0.00 pp');
    expect(formatGap(-0.00001)).toBe('+0.00 pp');
    expect(formatGap(undefined)).toBe('—');
  });
});

describe('formatCount, formatBytes, formatRate', () => {
  it('abbreviates', () => {
    expect(formatCount(124_439_808)).toBe('124.4M');
    expect(formatCount(1538)).toBe('1.5k');
    expect(formatCount(12)).toBe('12');
    expect(formatBytes(548_105_171)).toBe('522.7 MiB');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatRate(1234.4)).toBe('1,234 tok/s');
    expect(formatRate(12.34)).toBe('12.3 tok/s');
  });
});

describe('formatValue', () => {
  it('writes trainable settings in their short form', () => {
    expect(formatValue({ kind: 'last', blocks: 2 })).toBe('last-2');
    expect(formatValue({ kind: 'lora', rank: 8, alpha: 16 })).toBe('lora:8,16');
    expect(formatValue({ kind: 'lora', rank: 8, alpha: 16, blocks: 1 })).toBe('lora:8,16,last-1');
    expect(formatValue({ kind: 'head' })).toBe('head');
    expect(formatValue(null)).toBe('off');
    expect(formatValue(0.1)).toBe('0.1');
    expect(formatValue({ train: 0.7 })).toBe('{"train":0.7}');
  });
});

describe('formatPosition', () => {
  it('shows the step once the total is known, epochs counted from 1', () => {
    expect(formatPosition({ step: 12, totalSteps: 140, epoch: 0, epochs: 5 })).toBe('step 12/140 · epoch 1/5');
    expect(formatPosition({ step: 0, totalSteps: 0, epoch: 0, epochs: 2 })).toBe('epoch 1/2');
  });
});

describe('formatSpeed', () => {
  it('says what is known of speed and time left', () => {
    expect(formatSpeed({ tokensPerSecond: 1234, etaSeconds: 185 })).toBe('1,234 tok/s · 3m 05s left');
    expect(formatSpeed({ tokensPerSecond: null, etaSeconds: 185 })).toBe('3m 05s left');
    expect(formatSpeed({ tokensPerSecond: null, etaSeconds: null })).toBe('measuring speed…');
  });
});

describe('formatStage', () => {
  it('gives the position while training and the stage message before', () => {
    const p = { step: 2, totalSteps: 42, epoch: 0, epochs: 6 };
    expect(formatStage({ ...p, stage: 'training', message: 'epoch 1 of 6, step 2 of 42' })).toBe('step 2/42 · epoch 1/6');
    expect(formatStage({ ...p, stage: 'prefix', message: 'caching the frozen blocks' })).toBe('caching the frozen blocks');
    expect(formatStage({ ...p, stage: 'model', message: '' })).toBe('model');
  });
});

describe('formatLabels', () => {
  it('lists labels by count, and only counts them past a few', () => {
    expect(formatLabels({ spam: 20, ham: 40 })).toBe('ham 40 · spam 20');
    expect(formatLabels(null)).toBe('—');
    const many = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`label ${i}`, 1]));
    expect(formatLabels(many, 2)).toBe('label 0 1 · label 1 1 · and 7 more labels');
    expect(formatLabels({ ['x'.repeat(40)]: 1 })).toBe(`${'x'.repeat(23)}… 1`);
  });
});

describe('formatEstimate', () => {
  it('rounds as roughly as an estimate is', () => {
    expect(formatEstimate(42)).toBe('≈ 40 s');
    expect(formatEstimate(1)).toBe('≈ 5 s');
    expect(formatEstimate(185)).toBe('≈ 3 min');
    expect(formatEstimate(3600)).toBe('≈ 1 h');
    expect(formatEstimate(4500)).toBe('≈ 1 h 15 min');
    expect(formatEstimate(null)).toBe('');
  });
});

describe('formatRunTime', () => {
  it('gives the training time with the wall time beside it', () => {
    expect(formatRunTime(250, 360)).toBe('4m 10s training · 6m 00s wall');
    expect(formatRunTime(19, null)).toBe('19s training');
    expect(formatRunTime(null, 60)).toBe('—');
  });
});
