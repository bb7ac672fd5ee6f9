// How numbers read in the UI: one place, so every table says the same thing the same way.

import { formatTrainable, type Trainable } from '../../common/modelSpec.js';

const DASH = '—';

/** 42 → "42s", 185 → "3m 05s", 3725 → "1h 02m". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds) || seconds < 0) return DASH;
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  return `${h}h ${String(m % 60).padStart(2, '0')}m`;
}

/** An estimate, as rough as it is: 40 → "≈ 40 s", 185 → "≈ 3 min", 4500 → "≈ 1 h 15 min"; "" when unknown. */
export function formatEstimate(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds) || seconds < 0) return '';
  if (seconds < 60) return `≈ ${Math.max(5, Math.round(seconds / 5) * 5)} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `≈ ${minutes} min`;
  return `≈ ${Math.floor(minutes / 60)} h${minutes % 60 ? ` ${minutes % 60} min` : ''}`;
}

/**
 * A run's duration: the training time of all its attempts, and beside it the wall time from its first start
 * (interruptions and loading included): "4m 10s training · 6m 00s wall".
 */
export function formatRunTime(seconds: number | null | undefined, wallSeconds: number | null | undefined): string {
  if (seconds == null) return DASH;
  const training = `${formatDuration(seconds)} training`;
  return wallSeconds == null ? training : `${training} · ${formatDuration(wallSeconds)} wall`;
}

/** The time left while training: "about 3m 05s left", or "" when unknown. */
export function formatEta(seconds: number | null | undefined): string {
  return seconds == null || !Number.isFinite(seconds) || seconds < 0 ? '' : `${formatDuration(seconds)} left`;
}

/** 0.97213 → "97.21%". */
export function formatPercent(fraction: number | null | undefined, digits = 2): string {
  if (fraction == null || !Number.isFinite(fraction)) return DASH;
  return `${(fraction * 100).toFixed(digits)}%`;
}

/** An accuracy gap in percentage points with its sign: 0.0123 → "+1.23 pp". */
export function formatGap(gap: number | null | undefined): string {
  if (gap == null || !Number.isFinite(gap)) return DASH;
  return `${signed(gap * 100, 2)} pp`;
}

/** A signed number with a real minus sign; a value that rounds to zero reads "+0.0", never "−0.0". */
function signed(value: number, digits: number): string {
  const text = Math.abs(value).toFixed(digits);
  return `${value < 0 && Number(text) !== 0 ? '−' : '+'}${text}`;
}

/** A 95% interval of an accuracy: [0.9273, 0.9751] → "92.7–97.5%". */
export function formatInterval(interval: readonly [number, number] | null | undefined, digits = 1): string {
  if (!interval) return DASH;
  return `${(interval[0] * 100).toFixed(digits)}–${(interval[1] * 100).toFixed(digits)}%`;
}

/** A 95% interval of a gap, in percentage points, signed because it may straddle zero: "−1.5 to +4.0 pp". */
export function formatGapInterval(interval: readonly [number, number] | null | undefined, digits = 1): string {
  if (!interval) return DASH;
  return `${signed(interval[0] * 100, digits)} to ${signed(interval[1] * 100, digits)} pp`;
}

/** A group's mean ± standard deviation: "95.67% ± 1.20" for an accuracy, "+1.23 ± 0.80 pp" for a gap; the mean alone without an sd. */
export function formatMeanSd(mean: number | null | undefined, sd: number | null | undefined, kind: 'accuracy' | 'gap'): string {
  if (mean == null || !Number.isFinite(mean)) return DASH;
  const center = kind === 'accuracy' ? formatPercent(mean) : signed(mean * 100, 2);
  const spread = sd == null || !Number.isFinite(sd) ? '' : ` ± ${(sd * 100).toFixed(2)}`;
  return `${center}${spread}${kind === 'gap' ? ' pp' : ''}`;
}

/** A p-value for a table cell, as the verdicts print it: 0.4213 → "0.42", 0.03125 → "0.031", below 0.001 → "< 0.001". */
export function formatPValue(p: number | null | undefined): string {
  if (p == null || !Number.isFinite(p)) return DASH;
  if (p < 0.001) return '< 0.001';
  return p >= 0.1 ? p.toFixed(2) : p.toPrecision(2);
}

/** Parameter counts: 124439808 → "124.4M", 1538 → "1.5k", 12 → "12". */
export function formatCount(n: number | null | undefined): string {
  if (n == null || !Number.isFinite(n)) return DASH;
  const units: [number, string][] = [
    [1e9, 'B'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  for (const [size, unit] of units) if (Math.abs(n) >= size) return `${(n / size).toFixed(1)}${unit}`;
  return String(n);
}

/** 548105171 → "522.7 MiB". */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes == null || !Number.isFinite(bytes)) return DASH;
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** Tokens per second, rounded for a table cell. */
export function formatRate(perSecond: number | null | undefined): string {
  if (perSecond == null || !Number.isFinite(perSecond)) return DASH;
  return perSecond >= 100 ? `${Math.round(perSecond).toLocaleString('en-US')} tok/s` : `${perSecond.toFixed(1)} tok/s`;
}

/** Where a run is: "step 12/140 · epoch 1/5"; the step only once the total is known. */
export function formatPosition(p: { step: number; totalSteps: number; epoch: number; epochs: number }): string {
  const epoch = `epoch ${Math.min(p.epoch + 1, p.epochs)}/${p.epochs}`;
  return p.totalSteps > 0 ? `step ${p.step}/${p.totalSteps} · ${epoch}` : epoch;
}

/** What a running run is doing: its position while training, else the stage's own words ("downloading GPT-2…"). */
export function formatStage(p: {
  stage: string;
  message: string;
  step: number;
  totalSteps: number;
  epoch: number;
  epochs: number;
}): string {
  return p.stage === 'training' ? formatPosition(p) : p.message || p.stage;
}

/** Speed and time left while training: "1,234 tok/s · 3m 05s left"; either may not be known yet. */
export function formatSpeed(p: { tokensPerSecond: number | null; etaSeconds: number | null }): string {
  const parts = [p.tokensPerSecond == null ? '' : formatRate(p.tokensPerSecond), formatEta(p.etaSeconds)].filter(Boolean);
  return parts.length ? parts.join(' · ') : 'measuring speed…';
}

/** A config value in a diff or a table cell: objects as compact JSON, null as "off". */
export function formatValue(value: unknown): string {
  if (value === null) return 'off';
  if (value === undefined) return DASH;
  if (typeof value === 'object') {
    if ('kind' in value && typeof value.kind === 'string') return formatTrainable(value as Trainable);
    return JSON.stringify(value);
  }
  return String(value);
}

/**
 * Label counts, most frequent first: "ham 40 · spam 40". Many distinct labels mean the wrong column
 * was picked, so past `max` the rest are only counted.
 */
export function formatLabels(labels: Record<string, number> | null, max = 6): string {
  if (!labels) return DASH;
  const entries = Object.entries(labels).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const shown = entries.slice(0, max).map(([label, count]) => `${label.length > 24 ? `${label.slice(0, 23)}…` : label} ${count}`);
  const rest = entries.length - max;
  return rest > 0 ? `${shown.join(' · ')} · and ${rest} more labels` : shown.join(' · ');
}

/** An error as words for the page. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
