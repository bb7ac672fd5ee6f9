import path from 'node:path';
import { defaultCacheDir } from '../cacheDir.js';
import { downloadFile } from '../download.js';
import { describeCause } from '../errorReasons.js';
import { WorkbenchError } from '../errors.js';
import type { PresetName } from '../../common/modelSpec.js';
import { PRESET_REPOS, type GPT2Config } from './config.js';
import { readGpt2ConfigFile } from './gpt2Checkpoint.js';
import { readSafetensorsHeader } from './safetensors.js';

export interface ExpectedFile {
  size: number;
  sha256: string;
}

export interface EnsurePretrainedOptions {
  cacheDir?: string;
  endpoint?: string;
  onProgress?: (p: { file: string; received: number; total?: number }) => void;
  signal?: AbortSignal;
  /** Overrides the pinned size/sha256 per file (tests serve other files); undefined means "trust the server's". */
  expected?: { weights?: ExpectedFile; config?: ExpectedFile };
}

export interface PretrainedFiles {
  weightsPath: string;
  configPath: string;
  config: GPT2Config;
}

/** Known files of the hub revision the app was checked against (DESIGN.md, "Pretrained weights"). */
const PINNED: Partial<Record<PresetName, { weights: ExpectedFile; config: ExpectedFile }>> = {
  'gpt2-small': {
    weights: { size: 548_105_171, sha256: '248dfc3911869ec493c76e65bf2fcf7f615828b0254c12b473182f0f81d3a707' },
    config: { size: 665, sha256: '0daed7749b4f02b8f76240d5444551d7b08712dab4d0adb8239c56ba823bb7b4' },
  },
};

const WEIGHTS_FILE = 'model.safetensors';
const CONFIG_FILE = 'config.json';

export function hubEndpoint(): string {
  return process.env.WORKBENCH_HF_ENDPOINT || 'https://huggingface.co';
}

/**
 * Returns the cached weights and config of a preset, downloading what is missing or broken from
 * `<endpoint>/<repo>/resolve/main/`; uses no network when both cached files are usable.
 */
export async function ensurePretrained(preset: PresetName, opts: EnsurePretrainedOptions = {}): Promise<PretrainedFiles> {
  const repo = PRESET_REPOS[preset];
  const folder = path.join(opts.cacheDir ?? defaultCacheDir(), ...repo.split('/'));
  const base = `${(opts.endpoint ?? hubEndpoint()).replace(/\/+$/, '')}/${repo}/resolve/main`;
  const expected = { ...PINNED[preset], ...opts.expected };
  const files = [
    { name: CONFIG_FILE, expected: expected.config, usable: isUsableConfig },
    { name: WEIGHTS_FILE, expected: expected.weights, usable: isUsableWeights },
  ];
  try {
    for (const file of files) {
      const dest = path.join(folder, file.name);
      if (await file.usable(dest)) continue;
      await downloadFile({
        url: `${base}/${file.name}`,
        dest,
        expectedSize: file.expected?.size,
        sha256: file.expected?.sha256,
        signal: opts.signal,
        onProgress: (p) => opts.onProgress?.({ file: file.name, ...p }),
      });
    }
  } catch (err) {
    if (opts.signal?.aborted) throw err;
    throw new WorkbenchError(unavailableMessage(preset, folder, base, err), { cause: err });
  }
  const weightsPath = path.join(folder, WEIGHTS_FILE);
  const configPath = path.join(folder, CONFIG_FILE);
  await readSafetensorsHeader(weightsPath); // a server without pinned/announced hashes may have sent anything
  return { weightsPath, configPath, config: await readGpt2ConfigFile(configPath) };
}

// A broken cached file is not an error here: it is downloaded again.
async function isUsableConfig(file: string): Promise<boolean> {
  return readGpt2ConfigFile(file).then(
    () => true,
    () => false,
  );
}

/** Cheap: the header check catches truncated and foreign files without hashing 500 MB on every run. */
async function isUsableWeights(file: string): Promise<boolean> {
  return readSafetensorsHeader(file).then(
    () => true,
    () => false,
  );
}

function unavailableMessage(preset: PresetName, folder: string, base: string, err: unknown): string {
  const reason = err instanceof WorkbenchError ? err.message : describeCause(err);
  return (
    `cannot get the pretrained ${preset} weights: ${reason}. ` +
    `To install them by hand, download ${base}/${WEIGHTS_FILE} and ${base}/${CONFIG_FILE} ` +
    `and place them as ${WEIGHTS_FILE} and ${CONFIG_FILE} in ${folder}; ` +
    `or use a local file with --weights-file FILE, or run offline without pretrained weights with --weights random`
  );
}
