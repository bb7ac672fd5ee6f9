import { parseTrainable } from '../common/modelSpec.js';
import { BOOK_RUN_CONFIG, parseRunConfig, splitSeedOf, type RunConfig } from '../common/runConfig.js';
import type { RunGridSchema } from '../common/api.js';
import type { z } from 'zod';
import { canonicalConfig, describeFields, differingFields, fieldLabels } from './configFields.js';
import { InvalidRequest } from './errors.js';

export const MAX_GRID_RUNS = 500;
/** Longer names overflow the run table, legends and the tray popup. */
export const MAX_NAME_LENGTH = 60;
/** A single run is named by at most this many differences from the book; the count of the rest follows. */
const NAMED_DIFFERENCES = 3;

export interface GridRun {
  name: string;
  config: RunConfig;
}

type Grid = Omit<z.output<typeof RunGridSchema>, 'repeats'> & { repeats?: number };

/** A duplicated run: its id and config, so its copies are named after what changed. */
export interface CopySource {
  id: number;
  config: RunConfig;
}

/**
 * The cross product of a grid, each run named after what differs between them ("last-2 · dropout 0.1"),
 * after the base's name when it has one, or "copy of #N" and what changed from the run it duplicates.
 * The first field varies slowest; repeats of a cell follow it.
 */
export function expandGrid(grid: Grid, datasetName?: (id: string) => string, copyOf?: CopySource): GridRun[] {
  const fields = Object.entries(grid.vary);
  const repeats = grid.repeats ?? 1;
  const count = fields.reduce((n, [, values]) => n * values.length, repeats);
  if (count > MAX_GRID_RUNS) throw new InvalidRequest(`the grid makes ${count} runs; at most ${MAX_GRID_RUNS} can be queued at once`);
  let combos: [string, unknown][][] = [[]];
  for (const [field, values] of fields) combos = combos.flatMap((combo) => values.map((v) => [...combo, [field, v] as [string, unknown]]));
  const cells = combos.map((combo) => {
    const input = structuredClone(grid.base);
    for (const [field, value] of [...Object.entries(grid.base), ...combo]) setField(input, field, normalize(field, value));
    const parsed = parseRunConfig(input);
    if (!parsed.ok) {
      const which = combo.length ? ` (${combo.map(([f, v]) => `${f}=${JSON.stringify(v)}`).join(', ')})` : '';
      throw new InvalidRequest(`invalid run config${which}: ${parsed.error}`);
    }
    return parsed.config;
  });
  const configs = cells.flatMap((cell) => repeated(cell, repeats));
  const varying = differingFields(configs);
  return configs.map((config) => {
    const own = configs.length > 1 ? describeFields(config, varying, datasetName) : '';
    const copy = copyOf && [`copy of #${copyOf.id}`, describeFields(config, differingFields([config, copyOf.config]), datasetName)];
    const parts = copy ?? [config.name, own];
    const name = parts.filter(Boolean).join(' · ') || differencesFromBook(config, datasetName, NAMED_DIFFERENCES) || 'book recipe';
    return { name: shortName(name), config };
  });
}

/** A name cut to MAX_NAME_LENGTH at a separator or a space where it can be, with an ellipsis; the whole differences stay in the run. */
export function shortName(name: string): string {
  if (name.length <= MAX_NAME_LENGTH) return name;
  const room = name.slice(0, MAX_NAME_LENGTH - 1);
  const at = [room.lastIndexOf(' · '), room.lastIndexOf(' ')].find((i) => i > MAX_NAME_LENGTH / 2);
  return `${at === undefined ? room : room.slice(0, at)}…`;
}

/**
 * Copies of a cell that differ only in the training seed (seed, seed + 1, …). The split seed is written out in
 * each, so all are cut from the same messages and can be paired example by example.
 */
function repeated(config: RunConfig, repeats: number): RunConfig[] {
  if (repeats === 1) return [config];
  const splitSeed = splitSeedOf(config);
  return Array.from({ length: repeats }, (_, r) => ({ ...config, seed: config.seed + r, splitSeed }));
}

/** A config without its training seed: what a group of repeats shares (the split seed stays, spelled out where not the book's). */
function seedless(config: RunConfig): RunConfig {
  const splitSeed = splitSeedOf(config);
  return { ...config, seed: BOOK_RUN_CONFIG.seed, splitSeed: splitSeed === BOOK_RUN_CONFIG.seed ? undefined : splitSeed };
}

/** A group of repeats named by what differs from the book apart from the training seed: "last-2 · dropout 0.1". */
export function groupName(config: RunConfig, datasetName?: (id: string) => string): string {
  return shortName(differencesFromBook(seedless(config), datasetName, NAMED_DIFFERENCES) || 'book recipe');
}

/** Groups named by what differs among them (one config of each); a single group, or groups alike, by groupName. */
export function groupNames(configs: RunConfig[], datasetName?: (id: string) => string): string[] {
  const shared = configs.map((c) => ({ ...c, seed: BOOK_RUN_CONFIG.seed, splitSeed: splitSeedOf(c) }));
  const differing = differingFields(shared);
  return shared.map((c, i) =>
    configs.length > 1 && differing.length ? shortName(describeFields(c, differing, datasetName)) : groupName(configs[i], datasetName),
  );
}

/**
 * What differs from the book's recipe, e.g. "custom:2,64,4 · random weights · last-2"; empty for the recipe itself.
 * With `most`, the first that many differences and "+N more".
 */
export function differencesFromBook(config: RunConfig, datasetName?: (id: string) => string, most = Infinity): string {
  const canonical = canonicalConfig(config);
  const labels = fieldLabels(canonical, differingFields([canonical, BOOK_RUN_CONFIG]), datasetName);
  const named = labels.slice(0, most).join(' · ');
  return labels.length > most ? `${named} +${labels.length - most} more` : named;
}

// The UI and the CLI may give `trainable` in its short form ("last-2", "lora:8,16").
function normalize(field: string, value: unknown): unknown {
  if (field !== 'trainable' || typeof value !== 'string') return value;
  try {
    return parseTrainable(value);
  } catch (err) {
    throw new InvalidRequest((err as Error).message);
  }
}

function setField(target: Record<string, unknown>, field: string, value: unknown): void {
  const parts = field.split('.');
  if (parts.some((p) => p === '' || p === '__proto__' || p === 'constructor' || p === 'prototype'))
    throw new InvalidRequest(`"${field}" is not a config field`);
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (next === undefined) node[part] = {};
    else if (typeof next !== 'object' || next === null || Array.isArray(next))
      throw new InvalidRequest(`"${field}": ${part} is not an object`);
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]] = value;
}
