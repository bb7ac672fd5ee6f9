import { parseTrainable } from '../common/modelSpec.js';
import { BOOK_RUN_CONFIG, parseRunConfig, splitSeedOf, type RunConfig } from '../common/runConfig.js';
import type { RunGridSchema } from '../common/api.js';
import type { z } from 'zod';
import { describeFields, differingFields } from './configFields.js';
import { InvalidRequest } from './errors.js';

export const MAX_GRID_RUNS = 500;

export interface GridRun {
  name: string;
  config: RunConfig;
}

type Grid = Omit<z.output<typeof RunGridSchema>, 'repeats'> & { repeats?: number };

/**
 * The cross product of a grid, each run named after what differs between them ("last-2 · dropout 0.1"),
 * after the base's name when it has one. The first field varies slowest; repeats of a cell follow it.
 */
export function expandGrid(grid: Grid, datasetName?: (id: string) => string): GridRun[] {
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
    const name = [config.name, own].filter(Boolean).join(' · ') || differencesFromBook(config, datasetName) || 'book recipe';
    return { name, config };
  });
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

/** A group of repeats named by what differs from the book apart from the training seed: "last-2 · dropout 0.1". */
export function groupName(config: RunConfig, datasetName?: (id: string) => string): string {
  const splitSeed = splitSeedOf(config);
  const seedless: RunConfig = {
    ...config,
    seed: BOOK_RUN_CONFIG.seed,
    splitSeed: splitSeed === BOOK_RUN_CONFIG.seed ? undefined : splitSeed,
  };
  return differencesFromBook(seedless, datasetName) || 'book recipe';
}

/** What differs from the book's recipe, e.g. "custom:2,64,4 · random weights · last-2"; empty for the recipe itself. */
export function differencesFromBook(config: RunConfig, datasetName?: (id: string) => string): string {
  return describeFields(config, differingFields([config, BOOK_RUN_CONFIG]), datasetName);
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
