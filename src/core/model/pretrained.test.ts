import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { messageOf } from '../../../test/support/errors.js';
import { closeAllServers, startServer, type TestServer } from '../../../test/support/httpServer.js';
import { sharedPath } from '../../../test/support/shared.js';
import { tempDir } from '../../../test/support/tempDir.js';
import { defaultCacheDir } from '../cacheDir.js';
import { ensurePretrained, hubEndpoint, type EnsurePretrainedOptions } from './pretrained.js';

// Looked up when the file loads, so that without ../shared the whole file fails at once.
const TINY = sharedPath('fixtures/hf-tiny-gpt2/model.safetensors');
const TINY_CONFIG = sharedPath('fixtures/hf-tiny-gpt2/config.json');

const REPO_PATH = '/openai-community/gpt2/resolve/main/';
const ENV_KEYS = ['WORKBENCH_CACHE_DIR', 'XDG_CACHE_HOME', 'WORKBENCH_HF_ENDPOINT'] as const;

let files: Record<string, Buffer>;
let expected: EnsurePretrainedOptions['expected'];
const dir = tempDir('pretrained-test-');
let caseNumber = 0;
const savedEnv = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

beforeAll(async () => {
  files = {
    'model.safetensors': await readFile(TINY),
    'config.json': await readFile(TINY_CONFIG),
  };
  const pin = (b: Buffer) => ({ size: b.length, sha256: sha256(b) });
  expected = { weights: pin(files['model.safetensors']), config: pin(files['config.json']) };
});

afterEach(async () => {
  for (const key of ENV_KEYS) {
    if (savedEnv[key] === undefined) delete process.env[key];
    else process.env[key] = savedEnv[key];
  }
  await closeAllServers();
});

/** A stand-in for the hub: serves the tiny fixture as openai-community/gpt2 and records requested paths. */
async function fakeHub(): Promise<{ endpoint: string; requested: string[]; server: TestServer }> {
  const requested: string[] = [];
  const server = await startServer((req, res) => {
    requested.push(req.url ?? '');
    const body = req.url?.startsWith(REPO_PATH) ? files[req.url.slice(REPO_PATH.length)] : undefined;
    res.writeHead(body ? 200 : 404, body ? { 'Content-Length': body.length } : {});
    res.end(body);
  });
  return { endpoint: server.url, requested, server };
}

function newCacheDir(): string {
  caseNumber++;
  return path.join(dir, `cache-${caseNumber}`);
}

describe('cache folder and endpoint', () => {
  it('prefers WORKBENCH_CACHE_DIR, then XDG_CACHE_HOME, then ~/.cache', () => {
    process.env.WORKBENCH_CACHE_DIR = '/somewhere/cache';
    process.env.XDG_CACHE_HOME = '/xdg';
    expect(defaultCacheDir()).toBe('/somewhere/cache');
    delete process.env.WORKBENCH_CACHE_DIR;
    expect(defaultCacheDir()).toBe(path.join('/xdg', 'spam-workbench'));
    delete process.env.XDG_CACHE_HOME;
    expect(defaultCacheDir()).toBe(path.join(os.homedir(), '.cache', 'spam-workbench'));
  });

  it('uses WORKBENCH_HF_ENDPOINT, else the Hugging Face hub', () => {
    delete process.env.WORKBENCH_HF_ENDPOINT;
    expect(hubEndpoint()).toBe('https://huggingface.co');
    process.env.WORKBENCH_HF_ENDPOINT = 'http://mirror.local';
    expect(hubEndpoint()).toBe('http://mirror.local');
  });
});

describe('ensurePretrained', () => {
  it('downloads both files with progress, then works from the cache with the server gone', async () => {
    const hub = await fakeHub();
    const cacheDir = newCacheDir();
    const progress = new Set<string>();
    const first = await ensurePretrained('gpt2-small', {
      cacheDir,
      endpoint: `${hub.endpoint}/`,
      expected,
      onProgress: (p) => progress.add(p.file),
    });

    const folder = path.join(cacheDir, 'openai-community', 'gpt2');
    expect(first.weightsPath).toBe(path.join(folder, 'model.safetensors'));
    expect(first.configPath).toBe(path.join(folder, 'config.json'));
    expect(first.config).toMatchObject({ nLayer: 2, nEmbd: 2, nHead: 2, vocabSize: 50257 });
    expect(sha256(await readFile(first.weightsPath))).toBe(expected?.weights?.sha256);
    expect(hub.requested).toEqual([`${REPO_PATH}config.json`, `${REPO_PATH}model.safetensors`]);
    expect([...progress]).toEqual(['config.json', 'model.safetensors']);

    await hub.server.close();
    expect(await ensurePretrained('gpt2-small', { cacheDir, endpoint: hub.endpoint, expected })).toEqual(first);
  });

  it('takes endpoint and cache folder from WORKBENCH_HF_ENDPOINT and WORKBENCH_CACHE_DIR', async () => {
    const hub = await fakeHub();
    process.env.WORKBENCH_HF_ENDPOINT = hub.endpoint;
    process.env.WORKBENCH_CACHE_DIR = newCacheDir();
    const { weightsPath } = await ensurePretrained('gpt2-small', { expected });
    expect(weightsPath).toBe(path.join(process.env.WORKBENCH_CACHE_DIR, 'openai-community', 'gpt2', 'model.safetensors'));
    expect(hub.requested).toHaveLength(2);
  });

  it('downloads again only a cached file that fails the header check', async () => {
    const hub = await fakeHub();
    const cacheDir = newCacheDir();
    const { weightsPath } = await ensurePretrained('gpt2-small', { cacheDir, endpoint: hub.endpoint, expected });
    await writeFile(weightsPath, files['model.safetensors'].subarray(0, 10_000)); // as if cut off
    hub.requested.length = 0;
    await ensurePretrained('gpt2-small', { cacheDir, endpoint: hub.endpoint, expected });
    expect(hub.requested).toEqual([`${REPO_PATH}model.safetensors`]);
    expect(sha256(await readFile(weightsPath))).toBe(expected?.weights?.sha256);
  });

  it('checks gpt2-small against the pinned size and sha256 unless overridden', async () => {
    const hub = await fakeHub();
    const cacheDir = newCacheDir();
    const message = await messageOf(ensurePretrained('gpt2-small', { cacheDir, endpoint: hub.endpoint }));
    expect(files['config.json'].length).toBeGreaterThan(665);
    expect(message).toContain('the server sent more than the expected 665 bytes; stopped there');
    expect(message).toContain(path.join(cacheDir, 'openai-community', 'gpt2'));
    expect(existsSync(path.join(cacheDir, 'openai-community', 'gpt2', 'config.json'))).toBe(false);
  });

  it('explains how to get going offline when nothing is cached and the hub is unreachable', async () => {
    const hub = await fakeHub();
    await hub.server.close();
    const cacheDir = newCacheDir();
    const message = await messageOf(ensurePretrained('gpt2-small', { cacheDir, endpoint: hub.endpoint, expected }));
    const base = `${hub.endpoint}/openai-community/gpt2/resolve/main`;
    expect(message).toContain('connection refused');
    expect(message).toContain(`download ${base}/model.safetensors and ${base}/config.json`);
    expect(message).toContain(`in ${path.join(cacheDir, 'openai-community', 'gpt2')};`);
    expect(message).toContain('--weights-file FILE');
    expect(message).toContain('--weights random');
  });
});
