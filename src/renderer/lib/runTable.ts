import type { RunStatus, RunSummary } from '../../common/api.js';
import { formatEstimate } from './format.js';
import { orderRuns } from './runList.js';
import { FIELDS } from './runForm.js';

/*
 * The Runs table's search, filters and sort: pure, so the page only holds the choices and shows
 * what these return.
 */

export interface RunFilter {
  /** A phrase matched against names, notes, tags, the data set and every setting ("dropout 0.1"). */
  search: string;
  /** '' for any. */
  status: RunStatus | '';
  datasetId: string;
  tag: string;
}

export const NO_FILTER: RunFilter = { search: '', status: '', datasetId: '', tag: '' };

/** A run's settings as the form labels them ("dropout 0.1", "trainable last-2"), the fields that apply to it only. */
export function settingsText(run: Pick<RunSummary, 'config'>): string[] {
  const values = (path: string) => [FIELDS.find((f) => f.path === path)?.format(run.config) ?? ''];
  return FIELDS.filter((f) => f.path !== 'name' && (!f.appliesWhen || f.appliesWhen(values))).map(
    (f) => `${f.label.toLowerCase()} ${f.format(run.config)}`,
  );
}

/** Everything the search looks in, one string; " · " between parts so a phrase never spans two of them. */
export function searchText(run: RunSummary): string {
  return [`#${run.id}`, run.name, run.note, ...run.tags, run.datasetName, run.differences, run.status, ...settingsText(run)]
    .filter(Boolean)
    .join(' · ')
    .toLowerCase();
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Whether the phrase occurs in the run, starting at a word's start. A phrase ending in a number does not
 * match a longer number, so "dropout 0.1" finds neither "dropout 0.15" nor, from "dropout 0", "dropout 0.1".
 */
export function matchesSearch(run: RunSummary, query: string): boolean {
  const phrase = query.trim().toLowerCase().replace(/\s+/g, ' ');
  if (!phrase) return true;
  const numberEnd = /\d$/.test(phrase) ? '(?![\\d.]*\\d)' : '';
  return new RegExp(`(?:^|[^\\p{L}\\p{N}])${escapeRegExp(phrase)}${numberEnd}`, 'u').test(searchText(run));
}

export function filterRuns(runs: readonly RunSummary[], filter: RunFilter): RunSummary[] {
  return runs.filter(
    (r) =>
      (!filter.status || r.status === filter.status) &&
      (!filter.datasetId || r.datasetId === filter.datasetId) &&
      (!filter.tag || r.tags.includes(filter.tag)) &&
      matchesSearch(r, filter.search),
  );
}

/** The filters' choices: the data sets and tags the runs have. */
export function filterOptions(runs: readonly RunSummary[]): { datasets: { id: string; name: string }[]; tags: string[] } {
  const datasets = new Map(runs.map((r) => [r.datasetId, r.datasetName]));
  return {
    datasets: [...datasets].map(([id, name]) => ({ id, name })).sort((a, b) => a.name.localeCompare(b.name)),
    tags: [...new Set(runs.flatMap((r) => r.tags))].sort((a, b) => a.localeCompare(b)),
  };
}

/** `queue`: the table's own order (queue, then running, then newest first); the others are columns. */
export type SortKey = 'queue' | 'id' | 'name' | 'status' | 'train' | 'val' | 'test' | 'trainVal' | 'trainTest' | 'time';
export interface RunSort {
  key: SortKey;
  descending: boolean;
}
export const QUEUE_ORDER: RunSort = { key: 'queue', descending: false };

const STATUS_ORDER: RunStatus[] = ['running', 'queued', 'finished', 'failed', 'cancelled'];

function sortValue(run: RunSummary, key: Exclude<SortKey, 'queue'>): number | string | null {
  switch (key) {
    case 'id':
      return run.id;
    case 'name':
      return run.name.toLowerCase();
    case 'status':
      return STATUS_ORDER.indexOf(run.status);
    case 'train':
    case 'val':
    case 'test':
      return run.accuracy?.[key] ?? null;
    case 'trainVal':
    case 'trainTest':
      return run.gap?.[key] ?? null;
    case 'time':
      // A queued run by its estimate, so "longest first" also orders what is still to come.
      return run.seconds ?? run.estimatedSeconds;
  }
}

/** Sorted by a column; runs without a value (not finished, no estimate) last either way, ties newest first. */
export function sortRuns(runs: readonly RunSummary[], sort: RunSort): RunSummary[] {
  if (sort.key === 'queue') return orderRuns(runs);
  const key = sort.key;
  const sign = sort.descending ? -1 : 1;
  return [...runs].sort((a, b) => {
    const [x, y] = [sortValue(a, key), sortValue(b, key)];
    if (x === null || y === null) return x === y ? b.id - a.id : x === null ? 1 : -1;
    const order = typeof x === 'string' ? x.localeCompare(String(y)) : x - Number(y);
    return sign * order || b.id - a.id;
  });
}

/** A column's first direction: text A to Z, figures largest first. */
const firstDescending = (key: SortKey) => key !== 'name' && key !== 'status' && key !== 'queue';

/** A click on a column's header: that column, then the other way round, then back to the queue's order. */
export function nextSort(current: RunSort, key: SortKey): RunSort {
  if (current.key !== key) return { key, descending: firstDescending(key) };
  return current.descending === firstDescending(key) ? { key, descending: !current.descending } : QUEUE_ORDER;
}

/** Tags as typed: comma-separated, trimmed, without empties and repeats. */
export function parseTags(text: string): string[] {
  return [
    ...new Set(
      text
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean),
    ),
  ];
}

/** What the queued runs add up to: the estimated seconds of those with an estimate, and how many have none. */
export function queuedEstimate(runs: readonly RunSummary[]): { runs: number; seconds: number; unknown: number } {
  const queued = runs.filter((r) => r.status === 'queued');
  return {
    runs: queued.length,
    seconds: queued.reduce((s, r) => s + (r.estimatedSeconds ?? 0), 0),
    unknown: queued.filter((r) => r.estimatedSeconds === null).length,
  };
}

/** The queue's expected time in words: "≈ 12 min", "≈ 12 min for 3 of 4 runs", or why there is none. */
export function queueEstimateText(estimate: { runs: number; seconds: number; unknown: number }): string {
  if (estimate.runs === 0) return '';
  if (estimate.unknown === estimate.runs) return 'time unknown until this machine has measured its speed';
  const known = estimate.runs - estimate.unknown;
  return estimate.unknown ? `${formatEstimate(estimate.seconds)} for ${known} of ${estimate.runs} runs` : formatEstimate(estimate.seconds);
}
