import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { initDevice } from '../src/core/model/onnx/session.js';
import { writeSafetensors } from '../src/core/model/safetensors.js';
import { lastJson, runWorkbench, type Run } from './support/cli.js';
import { sharedPath, smsCacheDir } from './support/shared.js';
import { tempDir } from './support/tempDir.js';

/* The `workbench` command line as users run it: real `node bin/workbench.mjs` processes. */

const GOLDEN = sharedPath('fixtures', 'golden');
const TINY_HF = sharedPath('fixtures', 'hf-tiny-gpt2');

interface Golden {
  models: Record<
    string,
    { lm: { text: string; ids: number[]; hidden_last_layer: number[]; hidden_shape: number[]; last_top5_ids: number[] }[] }
  >;
}

const tmp = tempDir('workbench-cli-');
// A private cache holding only the real data set: no test downloads anything or touches the user's cache.
const cacheDir = smsCacheDir(tmp);
let golden: Golden;

beforeAll(async () => {
  golden = JSON.parse(await readFile(path.join(GOLDEN, 'golden.json'), 'utf8')) as Golden;
});

// One process per core: more at once only slow the training run, the long pole, down.
let freeSlots = Math.max(2, os.availableParallelism());
const waiting: (() => void)[] = [];

async function workbench(args: string[], onStderr?: (soFar: string, pid: number) => void): Promise<Run> {
  if (freeSlots > 0) freeSlots--;
  else await new Promise<void>((resolve) => waiting.push(resolve));
  try {
    // Port 9 refuses connections: any attempt to reach the Hugging Face hub fails at once.
    return await runWorkbench(args, { env: { WORKBENCH_CACHE_DIR: cacheDir, WORKBENCH_HF_ENDPOINT: 'http://127.0.0.1:9' }, onStderr });
  } finally {
    const next = waiting.shift();
    if (next) next();
    else freeSlots++;
  }
}

/** A failure the user can act on: exit ≠ 0, nothing on stdout, exactly one `workbench: …` line on stderr. */
function expectOneLineError(run: Run, pattern: RegExp): void {
  expect(run.code).not.toBe(0);
  expect(run.stdout).toBe('');
  const lines = run.stderr.trimEnd().split('\n');
  expect(lines, run.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^workbench: /);
  expect(lines[0]).toMatch(pattern);
}

function expectClose(actual: number[], expected: number[], tolerance: number): void {
  expect(actual).toHaveLength(expected.length);
  const worst = Math.max(...actual.map((a, i) => Math.abs(a - expected[i])));
  expect(worst).toBeLessThan(tolerance);
}

// Every test is a separate process, so they run side by side; the training run is the long pole and
// comes first so it starts first.
describe.concurrent('workbench CLI', () => {
  test('trains a small model from flags, saves it, and classify uses it', async () => {
    const out = path.join(tmp, 'classifier');
    const trained = lastJson(
      await workbench([
        'train',
        '--model',
        'custom:2,64,4',
        '--weights',
        'random',
        '--trainable',
        'all',
        '--pooling',
        'last-token',
        '--lr',
        '1e-3',
        '--epochs',
        '3',
        '--out',
        out,
        '--json',
      ]),
    );
    expect(Object.keys(trained)).toEqual(
      expect.arrayContaining(['backend', 'config', 'accuracy', 'loss', 'gap', 'confusion', 'parameters', 'padLength', 'seconds', 'out']),
    );
    const accuracy = trained.accuracy as Record<'train' | 'val' | 'test', number>;
    const gap = trained.gap as { trainVal: number; trainTest: number };
    const config = trained.config as { epochs: number; learningRate: number; model: { custom: { nLayer: number } } };
    expect(config.epochs).toBe(3);
    expect(config.learningRate).toBe(1e-3);
    expect(config.model.custom.nLayer).toBe(2);
    expect(accuracy.test).toBeGreaterThanOrEqual(0.9);
    expect(accuracy.train).toBeLessThanOrEqual(1);
    expect(gap.trainVal).toBeCloseTo(accuracy.train - accuracy.val, 10);
    expect(gap.trainTest).toBeCloseTo(accuracy.train - accuracy.test, 10);
    // The book's balanced split of the real data: 1,045 / 149 / 300.
    const confusion = trained.confusion as Record<string, number[][]>;
    expect(confusion.test.flat().reduce((a, b) => a + b)).toBe(300);
    expect(trained.out).toBe(out);
    // The step's path and device, as this machine decides them (ONNX Runtime unless WORKBENCH_INFERENCE says tfjs).
    const { device, reason } = await initDevice();
    expect(trained.trainStep).toEqual(
      process.env.WORKBENCH_INFERENCE === 'tfjs'
        ? { path: 'tfjs', fallbackReason: null, device: expect.any(String), deviceReason: null }
        : { path: 'onnx', fallbackReason: null, device, deviceReason: reason },
    );

    const spam = 'WINNER!! You have won a free prize. Call 09061701461 now to claim';
    const [first, second, ham] = await Promise.all(
      [spam, spam, 'Hey, are we still meeting for lunch tomorrow?'].map(async (text) =>
        lastJson(await workbench(['classify', '--model', out, text, '--json'])),
      ),
    );
    expect(first.label).toBe('spam');
    expect(ham.label).toBe('ham');
    const p = first.probabilities as Record<string, number>;
    expect(Object.keys(p).sort()).toEqual(['ham', 'spam']);
    expect(p.ham + p.spam).toBeCloseTo(1, 5);
    expect(second.probabilities).toEqual(first.probabilities);
  }, 240_000);

  test('--config file with flags overriding it; progress lines on stderr', async () => {
    const file = path.join(tmp, 'run.json');
    await writeFile(
      file,
      JSON.stringify({
        model: { preset: 'custom', custom: { nLayer: 1, nEmbd: 32, nHead: 4 }, weights: 'random' },
        trainable: { kind: 'all' },
        pooling: 'last-token',
        learningRate: 1e-3,
        epochs: 5,
        seed: 7,
      }),
    );
    const run = await workbench(['train', '--config', file, '--epochs', '1', '--seed', '11', '--max-length', '32', '--json']);
    const result = lastJson(run);
    expect(run.stdout.trim().split('\n')).toHaveLength(1);
    const config = result.config as Record<string, unknown> & { model: { custom: { nEmbd: number } } };
    expect(config).toMatchObject({ epochs: 1, seed: 11, maxLength: 32, pooling: 'last-token', learningRate: 1e-3 });
    expect(config.model.custom.nEmbd).toBe(32);
    expect(result.padLength).toBe(32);
    expect(result.out).toBeNull();
    for (const split of ['train', 'val', 'test']) expect((result.accuracy as Record<string, number>)[split]).toBeGreaterThanOrEqual(0);
    // Not a terminal: plain lines, no redrawn bar.
    expect(run.stderr).toMatch(/^Epoch 1\/1: Training accuracy: [\d.]+% \| Validation accuracy: [\d.]+%$/m);
    expect(run.stderr).not.toContain('\r');
  });

  test('--dropout trains on ONNX Runtime in both scopes; the frozen prefix is cached for evaluation in both', async () => {
    const flags = ['train', '--model', 'custom:2,32,4,64', '--weights', 'random', '--trainable', 'last-1', '--pooling', 'last-token'];
    const tiny = [...flags, '--max-length', '32', '--epochs', '1', '--dropout', '0.1', '--json'];
    const [all, trained] = await Promise.all([workbench(tiny), workbench([...tiny, '--dropout-scope', 'trained'])]);
    for (const run of [all, trained]) expect(lastJson(run).trainStep).toMatchObject({ path: 'onnx', fallbackReason: null });
    expect(lastJson(trained).config).toMatchObject({ dropout: 0.1, dropoutScope: 'trained' });
    expect(lastJson(all).config).not.toHaveProperty('dropoutScope');
    // Under all the steps run the frozen blocks with their masks, but evaluation (no dropout) reads the prefix, cached on ONNX Runtime.
    expect([lastJson(all).inference, lastJson(trained).inference]).toEqual(['onnx', 'onnx']);
  });

  test('Ctrl-C cancels with exit 130 and leaves the epoch checkpoint', async () => {
    const checkpoints = path.join(tmp, 'checkpoints');
    let signalled = false;
    const run = await workbench(
      [
        'train',
        '--model',
        'custom:1,32,4',
        '--weights',
        'random',
        '--trainable',
        'all',
        '--max-length',
        '32',
        '--epochs',
        '50',
        '--checkpoint-dir',
        checkpoints,
      ],
      (stderr, pid) => {
        if (!signalled && stderr.includes('checkpoint of epoch 1 saved')) {
          signalled = true;
          process.kill(pid, 'SIGINT');
        }
      },
    );
    expect(run.code, run.stderr).toBe(130);
    expect(run.stderr.trimEnd().split('\n').at(-1)).toBe('cancelled');
    expect(existsSync(path.join(checkpoints, 'checkpoint.json'))).toBe(true);
  });

  test.each(['--out', '--checkpoint-dir'])('%s that cannot be written fails before training, in one line', async (flag) => {
    const blocker = path.join(tmp, `not-a-folder${flag}`);
    await writeFile(blocker, '');
    const run = await workbench([
      'train',
      '--model',
      'custom:1,32,4',
      '--weights',
      'random',
      '--max-length',
      '32',
      '--epochs',
      '1',
      flag,
      path.join(blocker, 'sub'),
    ]);
    expectOneLineError(run, new RegExp(`cannot write the (output|checkpoint) folder ${blocker}/sub: not a directory \\(ENOTDIR\\)$`));
  });

  test('classify with weights holding NaN: one line, never "undefined (NaN%)"', async () => {
    const dir = path.join(tmp, 'nan-classifier');
    await mkdir(dir, { recursive: true });
    const weightsFile = 'classifier-1.safetensors';
    await writeSafetensors(
      path.join(dir, weightsFile),
      new Map([
        ['classifier.weight', { shape: [8, 2], data: new Float32Array(16).fill(NaN) }],
        ['classifier.bias', { shape: [2], data: new Float32Array(2) }],
      ]),
    );
    const sidecar = {
      format: 'spam-workbench-classifier',
      version: 1,
      labels: ['ham', 'spam'],
      pooling: 'last-token',
      maxLength: 8,
      tokenizer: 'r50k_base',
      padToken: 50256,
      modelConfig: { vocabSize: 50257, nPositions: 16, nEmbd: 8, nLayer: 1, nHead: 2, layerNormEpsilon: 1e-5 },
      base: { kind: 'random', seed: 1 },
      trainable: { kind: 'head' },
      weightsFile,
      weightsSha256: createHash('sha256')
        .update(await readFile(path.join(dir, weightsFile)))
        .digest('hex'),
    };
    await writeFile(path.join(dir, 'classifier.json'), JSON.stringify(sidecar));
    const run = await workbench(['classify', '--model', dir, 'hello']);
    expectOneLineError(run, /tensor "classifier\.weight" holds NaN \(value 0\): the weights are damaged/);
    expect(run.stdout).not.toContain('NaN%');
  });

  test('the book recipe offline with no weights cached fails fast, naming the folder and --weights-file', async () => {
    const run = await workbench(['train']);
    expect(run.code).not.toBe(0);
    const last = run.stderr.trimEnd().split('\n').at(-1)!;
    expect(last).toMatch(/^workbench: cannot get the pretrained gpt2-small weights/);
    expect(last).toContain(path.join(cacheDir, 'openai-community', 'gpt2'));
    expect(last).toContain('--weights-file');
  });

  test.each([
    [['--epochs', 'abc'], /--epochs takes a whole number, got "abc"/],
    [['--lr', 'fast'], /--lr takes a number/],
    [['--epochs', '0'], /epochs/],
    [['--model', 'gpt3'], /--model must be one of/],
    [['--trainable', 'last-x'], /--trainable/],
    [['--split', '0.5,0.5,0.5'], /split fractions must add up to 1/],
    [['--bogus'], /bogus/],
    [['--dataset', '--epochs=1'], /argument is ambiguous\. Did you forget/],
    [['--config', '/nonexistent/run.json'], /cannot read --config \/nonexistent\/run.json/],
  ])('train %j: one clear line', async (args, pattern) => {
    expectOneLineError(await workbench(['train', ...args]), pattern);
  });

  test('classify without a saved classifier: one line', async () => {
    expectOneLineError(await workbench(['classify', '--model', path.join(tmp, 'nothing-here'), 'hello']), /nothing-here/);
  });

  const goldenArgs = () => [
    'forward',
    '--weights',
    path.join(GOLDEN, 'golden-gpt2.safetensors'),
    '--config',
    path.join(GOLDEN, 'golden-gpt2.config.json'),
  ];

  test('--text reproduces the PyTorch hidden states and next-token top 5', async () => {
    const expected = golden.models['golden-gpt2'].lm[0];
    const out = lastJson(await workbench([...goldenArgs(), '--text', 'Every effort moves you', '--json']));
    expect(out.ids).toEqual([6109, 3626, 6100, 345]);
    expect(out.shape).toEqual(expected.hidden_shape);
    expectClose(out.hidden as number[], expected.hidden_last_layer, 1e-4);
    expect((out.top5 as { id: number }[]).map((t) => t.id)).toEqual(expected.last_top5_ids);
    expect(typeof out.backend).toBe('string');
  });

  test('--ids gives the same result', async () => {
    const expected = golden.models['golden-gpt2'].lm[0];
    const out = lastJson(await workbench([...goldenArgs(), '--ids', '6109,3626,6100,345', '--json']));
    expectClose(out.hidden as number[], expected.hidden_last_layer, 1e-4);
    expect((out.top5 as { id: number }[]).map((t) => t.id)).toEqual(expected.last_top5_ids);
  });

  test('reads a Hugging Face file with its config.json beside it', async () => {
    const expected = golden.models['hf-tiny-gpt2'].lm[0];
    const out = lastJson(
      await workbench(['forward', '--weights', path.join(TINY_HF, 'model.safetensors'), '--text', expected.text, '--json']),
    );
    expect(out.shape).toEqual(expected.hidden_shape);
    expectClose(out.hidden as number[], expected.hidden_last_layer, 1e-4);
    expect((out.top5 as { id: number }[]).map((t) => t.id)).toEqual(expected.last_top5_ids);
  });

  test('a truncated weights file: one line naming the file', async () => {
    const bytes = await readFile(path.join(GOLDEN, 'golden-gpt2.safetensors'));
    const truncated = path.join(tmp, 'truncated.safetensors');
    await writeFile(truncated, bytes.subarray(0, bytes.length >> 1));
    const run = await workbench([
      'forward',
      '--weights',
      truncated,
      '--config',
      path.join(GOLDEN, 'golden-gpt2.config.json'),
      '--text',
      'hi',
      '--json',
    ]);
    expectOneLineError(run, new RegExp(truncated.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  });

  test('no --weights: one line', async () => {
    expectOneLineError(await workbench(['forward', '--text', 'hi']), /--weights/);
  });
});

describe('workbench bench --full', () => {
  test('--weights other than pretrained or random: one line', async () => {
    expectOneLineError(await workbench(['bench', '--full', '--weights', 'blue']), /--weights must be pretrained or random, got "blue"/);
  });

  test('offline without the pretrained weights: fails before measuring, its last line saying where to put them', async () => {
    const run = await workbench(['bench', '--full']);
    expect(run.code).not.toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr.trimEnd().split('\n').at(-1)).toMatch(
      /^workbench: cannot get the pretrained gpt2-small weights: .*place them as model\.safetensors and config\.json in /,
    );
    expect(run.stderr).not.toMatch(/frozen block forward/);
  });
});
