import { access, copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { SplitName } from '../../core/data/split.js';
import { DROPOUT_SCOPES, parseRunConfig, type DropoutScope, type RunConfig } from '../../common/runConfig.js';
import { smsSpamPath } from '../../core/data/smsSpam.js';
import { describeCause } from '../../core/errorReasons.js';
import { WorkbenchError } from '../../core/errors.js';
import { backendDevice, initBackend } from '../../core/model/backend.js';
import { classifierRunner, onnxClassifierRunner, type ClassifierRunner } from '../../core/model/classifierRunner.js';
import { PRESETS } from '../../core/model/config.js';
import { GPT2 } from '../../core/model/gpt2.js';
import { loadGradients } from '../../core/model/gradients.js';
import type { InferenceChoice } from '../../core/model/inference.js';
import { initDevice, onnxThreads } from '../../core/model/onnx/session.js';
import { classifierSidecar, type ClassifierSidecar } from '../../core/model/savedClassifier.js';
import { SequenceClassifier } from '../../core/model/sequenceClassifier.js';
import type { TensorMap } from '../../core/model/tensorMap.js';
import { HEAD_BIAS, HEAD_WEIGHT } from '../../core/model/trainable.js';
import { prepareData, type PreparedData } from '../../core/train/run.js';
import { projectRecipe, type RecipeProjection } from '../../core/train/recipeProjection.js';
import { estimateBench } from '../bench/estimates.js';
import { importBench } from '../bench/importBench.js';
import { runFullRecipes, type MeasuredRecipe } from '../bench/fullRecipes.js';
import { hostsBench } from '../bench/hostsBench.js';
import { gridFields, gridSummary, projectedGrid, referenceRatios, runGrid } from '../bench/grid.js';
import { checkReference, runReference } from '../bench/reference.js';
import { BATCH, blockFigures, classifyLatency, randomHostWeights, type BlockFigures } from '../bench/measure.js';
import { twoThreadTrainStep } from '../bench/threadedStep.js';
import { printJson, type Command } from '../command.js';
import { initInferenceReported } from '../inference.js';

const USAGE = `workbench bench [--json] [--quick] [--full [--weights random]] [--grid [--dropout-scope all|trained]] [--reference] [--profile] [--estimates] [--hosts] [--import MB] [--sms-file FILE]

Measures this machine on GPT-2-small shapes (random weights) and projects the book's whole chapter 6
recipe from the measured times: 5 epochs, 650 steps of batch 8, evaluation every 50 steps and at each
epoch end on 5 batches of train and val, then accuracy on all 1,494 examples — with the frozen-prefix
cache (11 frozen blocks on the inference path, filled once), the trained top's steps and its
evaluation on the inference path. Book mode pads to 120 and reads the last position; last-token mode
runs the SMS split's real lengths.
The last stdout line is one JSON object: {"backend", "inference", "device", "threads", "frozenForwardTokensPerS",
"trainStepSeconds", "hostSecondsPerStep", "trainStepSecondsTwoThreads", "classifyMs": {"p50", "p95"},
"recipeSeconds": {"book", "lastToken"}, "recipeAccuracy", "peakRssMB"}; device is where the measured work
computed (cpu or cuda; WORKBENCH_DEVICE); hostSecondsPerStep is the ONNX step's time beyond its graph's own run
(clipping, AdamW, moving weights and gradients), null on tfjs; recipeAccuracy is null, or with --full each
recipe's final {"train", "val", "test"} accuracy; trainStepSecondsTwoThreads is the same step on two training
threads (WORKBENCH_TRAIN_THREADS=2), null on the native backends, which train on every core already.
  --quick           one timed training step per length after the warm-up, 30 classify samples (under a minute)
  --full            also run both recipes end to end as \`workbench train\` does (pretrained GPT-2 small and
                    the SMS set from the cache, downloaded on first use; hours on wasm): recipeSeconds
                    are then the measured ones, and the summary gives each run's test accuracy
  --weights random  with --full: random GPT-2 small weights (no download; the timing is the same)
  --grid            also the six-run grid trainable head / last-1 / last-2 × dropout 0 / 0.1 (scope all) in book mode on
                    GPT-2-small shapes: "trainStepSecondsDropout" (the book selection's step with dropout in all 12 blocks),
                    "trainStepSecondsLora" (lora:8,16,last-1: the last block's adapters, from the cached prefix as
                    trainStepSeconds), "trainStepSecondsLoraAllBlocks" (lora:8,16: all 12 blocks, from the ids) and
                    "grid": {"runs", "seconds", "perRunSeconds", "prefixComputations", "endToEnd", "dropoutScope"}, projected from
                    measured step costs with each distinct frozen prefix computed once (the prefix store); with --full
                    the six runs instead run end to end through the queue (random weights), and the two recipes are
                    projected
  --dropout-scope S with --grid: where the dropout-0.1 cells drop: all (default, the book: the frozen blocks too,
                    run forward with masks at every step) or trained (only the blocks above the cached prefix)
  --reference       also run the PyTorch reference (/usr/bin/python3 ../shared/bench/pytorch_reference.py, 1 and 2
                    threads, the faster kept): "reference" and "ratios" (the recipes' and, with --grid, each cell's and
                    the whole grid's seconds over the reference recipe's)
  --profile         on stderr: each recipe's seconds by part, and the measured per-batch costs
  --estimates       only this: how close the run-time estimates come — a calibration run, then a grid of six
                    small runs (custom:4,128,4, last-token, on the SMS set, trainable × dropout), each estimated when planned
                    and as the queued run's ETA, then timed: {"runs": [{"name", "plannedSeconds", "etaSeconds",
                    "seconds", "plannedError", "etaError"}], "maxAbsError": {"planned", "eta"}} (errors as fractions)
  --hosts           only this: training hosts — four runs of one setting (custom:4,128,4, last-token, the SMS set;
                    four seeds) trained here, then through a redis-server of its own (from PATH) by one
                    \`workbench worker\`, then by two, every trainer on one thread: {"runs", "model", "here",
                    "oneHost", "twoHosts" (each {"seconds", "runSeconds"}), "twoHostsOverOne",
                    "overheadPerRunSeconds"} (one host's time beyond training here, per run); with --quick a
                    tiny model, for a smoke check
  --import MB       only this: a CSV of MB megabytes imported through a \`workbench serve\` child (upload, then
                    importDataset while getQueueState is called every 50 ms): {"fileMB", "startedRssMB",
                    "uploadedRssMB", "peakRssMB", "peakOverFile", "importSeconds", "calls", "latencyMs": {"p50",
                    "p95", "max"}}, the server's peak memory from Linux's VmHWM (null elsewhere)
  --json            only the JSON object on stdout
  --sms-file FILE   the UCI SMSSpamCollection file whose split gives the lengths, so nothing is
                    downloaded and the cache is left alone (default: the cached copy)`;

/** The book's recipe: 11 of GPT-2 small's 12 blocks frozen. */
const FROZEN_BLOCKS = 11;

export const benchCommand: Command = {
  name: 'bench',
  summary: "measure inference and training speed, and project the book's recipe (one JSON object)",
  usage: USAGE,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        quick: { type: 'boolean' },
        full: { type: 'boolean' },
        profile: { type: 'boolean' },
        json: { type: 'boolean' },
        'sms-file': { type: 'string' },
        weights: { type: 'string' },
        estimates: { type: 'boolean' },
        hosts: { type: 'boolean' },
        import: { type: 'string' },
        grid: { type: 'boolean' },
        'dropout-scope': { type: 'string' },
        reference: { type: 'boolean' },
      },
    });
    const smsFile = values['sms-file'];
    // Checked before the minute of measurements, not after it.
    if (smsFile)
      await access(smsFile).catch((err: unknown) => {
        throw new WorkbenchError(`bench: cannot read --sms-file ${smsFile}: ${describeCause(err)}`, { cause: err });
      });
    const started = performance.now();
    const note = (text: string) => process.stderr.write(`bench: [${((performance.now() - started) / 1000).toFixed(0)} s] ${text}\n`);
    if (values.import !== undefined) {
      printJson(await importBench(importMegabytes(values.import), note));
      return 0;
    }
    if (values.hosts) {
      printJson(await withSmsCache(smsFile, (cacheDir) => hostsBench(cacheDir, note, { quick: values.quick })));
      return 0;
    }
    if (values.estimates) {
      printJson(await withSmsCache(smsFile, (cacheDir) => estimateBench(cacheDir, note)));
      return 0;
    }
    if (values.reference) await checkReference();
    const backend = await initBackend();
    await loadGradients();
    const inference = await initInferenceReported('bench');
    const { device, reason: deviceReason } = inference === 'onnx' ? await initDevice() : { device: backendDevice(), reason: null };
    // First: a missing download fails before the minute of measurements, and the peak memory is the recipe's.
    const measured = values.full && !values.grid ? await runFullRecipes(fullWeights(values.weights), note) : null;
    if (values.grid && inference !== 'onnx')
      throw new WorkbenchError('bench: --grid measures the ONNX Runtime training path, and the inference path here is tfjs');
    const scope = gridScope(values['dropout-scope']);
    const gridRun = values.grid && values.full ? await withSmsCache(smsFile, (cacheDir) => runGrid(cacheDir, note, scope)) : null;
    const repeats = values.quick ? 1 : 3;
    note(
      `backend ${backend}, inference ${inference} on ${device}${deviceReason ? ` (${deviceReason})` : ''} (${onnxThreads()} threads); reading the SMS split`,
    );
    const book = await withSmsCache(smsFile, (cacheDir) => recipeData(cacheDir));
    const lastToken = { ...book, config: { ...book.config, pooling: 'last-token' as const } };
    const blocks = await blockFigures(inference, repeats, note);
    note('training step of the top block on two threads (tfjs)');
    const twoThreads = await twoThreadTrainStep(repeats);
    const projections = { book: project(book, blocks), lastToken: project(lastToken, blocks) };
    const grid = values.grid ? await projectedGrid(book, blocks, scope, repeats, note) : null;
    note('classify latency, GPT-2 small, one SMS at a time');
    const classifyMs = await classifyFigures(inference, book.data, values.quick ? 30 : 100);
    if (values.profile) profile(blocks, projections, note);
    const recipeSeconds = measured
      ? { book: round(measured.book.seconds, 1), lastToken: round(measured.lastToken.seconds, 1) }
      : { book: round(projections.book.seconds, 1), lastToken: round(projections.lastToken.seconds, 1) };
    const result = {
      backend,
      inference,
      device,
      threads: inference === 'onnx' ? onnxThreads() : 1,
      frozenForwardTokensPerS: Math.round((BATCH * 120) / (FROZEN_BLOCKS * blocks.frozenBlock.long)),
      trainStepSeconds: round(blocks.trainStep.long, 3),
      hostSecondsPerStep: blocks.hostSecondsPerStep === null ? null : round(blocks.hostSecondsPerStep, 3),
      trainStepSecondsTwoThreads: twoThreads === null ? null : round(twoThreads, 3),
      classifyMs: { p50: round(classifyMs.p50, 1), p95: round(classifyMs.p95, 1) },
      recipeSeconds,
      recipeAccuracy: measured && { book: accuracies(measured.book), lastToken: accuracies(measured.lastToken) },
      ...gridFields(grid, gridRun),
      peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    };
    const reference = values.reference ? await runReference(note) : null;
    if (!values.json) {
      summary(result, projections, measured);
      for (const line of gridSummary(result)) process.stdout.write(`${line}\n`);
    }
    printJson(reference ? { ...result, reference, ratios: referenceRatios(result.grid, recipeSeconds, reference) } : result);
    return 0;
  },
};

/** --dropout-scope: where the grid's dropout cells drop (default all, the book's). */
function gridScope(value: string | undefined): DropoutScope {
  if (value === undefined) return 'all';
  const scope = DROPOUT_SCOPES.find((s) => s === value);
  if (!scope) throw new WorkbenchError(`bench: --dropout-scope ${value}: choose one of ${DROPOUT_SCOPES.join(', ')}`);
  return scope;
}

function importMegabytes(value: string): number {
  const megabytes = Number(value);
  if (Number.isInteger(megabytes) && megabytes >= 1 && megabytes <= 500) return megabytes;
  throw new WorkbenchError(`bench: --import takes a whole number of megabytes from 1 to 500, got "${value}"`);
}

function fullWeights(weights: string | undefined): 'pretrained' | 'random' {
  if (weights === undefined || weights === 'pretrained' || weights === 'random') return weights ?? 'pretrained';
  throw new WorkbenchError(`bench: --weights must be pretrained or random, got "${weights}"`);
}

interface RecipeData {
  config: RunConfig;
  data: PreparedData;
}

/** The book's recipe on the SMS split (the split does not depend on the pooling). */
async function recipeData(cacheDir: string | undefined): Promise<RecipeData> {
  const parsed = parseRunConfig({ pooling: 'last-position' });
  if (!parsed.ok) throw new WorkbenchError(`bench: ${parsed.error}`);
  return { config: parsed.config, data: await prepareData(parsed.config, PRESETS['gpt2-small'].nPositions, { cacheDir }) };
}

/** A temporary cache holding only the given copy keeps the run offline and the user's cache untouched. */
async function withSmsCache<T>(smsFile: string | undefined, fn: (cacheDir: string | undefined) => Promise<T>): Promise<T> {
  if (!smsFile) return fn(undefined);
  const cacheDir = await mkdtemp(path.join(os.tmpdir(), 'workbench-bench-'));
  try {
    await mkdir(path.dirname(smsSpamPath(cacheDir)), { recursive: true });
    await copyFile(smsFile, smsSpamPath(cacheDir));
    return await fn(cacheDir);
  } finally {
    await rm(cacheDir, { recursive: true, force: true });
  }
}

function project({ config, data }: RecipeData, blocks: BlockFigures): RecipeProjection {
  return projectRecipe(config, data, {
    prefix: (b, T) => FROZEN_BLOCKS * blocks.frozenBlock.cost(b, T),
    trainStep: blocks.trainStep.cost,
    evalForward: blocks.evalForward.cost,
    evalSetup: blocks.evalSetupSeconds,
  });
}

/** The book's classifier shape (GPT-2 small, last position, padded to 120), loaded, classifying real messages one at a time. */
async function classifyFigures(inference: InferenceChoice, data: PreparedData, samples: number): Promise<{ p50: number; p95: number }> {
  const config = PRESETS['gpt2-small'];
  const trainable = { kind: 'last', blocks: 1 } as const;
  // Never written: the classifier is built from the random weights below, so no file and no hash.
  const sidecar = classifierSidecar({
    modelConfig: config,
    base: { kind: 'none' },
    labels: data.dataset.labels,
    pooling: 'last-position',
    maxLength: data.padLength,
    trainable,
    weightsFile: 'classifier.safetensors',
    weightsSha256: '',
  });
  const weights = randomHostWeights(config, sidecar.labels.length);
  const runner = inference === 'onnx' ? await onnxClassifierRunner(sidecar, config, weights) : await tfjsRunner(sidecar, weights);
  try {
    return await classifyLatency(
      runner,
      data.dataset.rows.slice(0, samples).map((r) => r.text),
    );
  } finally {
    runner.dispose();
  }
}

async function tfjsRunner(sidecar: ClassifierSidecar, weights: TensorMap): Promise<ClassifierRunner> {
  const model = new SequenceClassifier(GPT2.fromTensors(sidecar.modelConfig, weights), sidecar.labels.length, sidecar.pooling, 1, {
    weight: weights.get(HEAD_WEIGHT)!,
    bias: weights.get(HEAD_BIAS)!,
  });
  return classifierRunner({ model, sidecar }, 'tfjs');
}

function profile(blocks: BlockFigures, projections: Record<string, RecipeProjection>, note: (text: string) => void): void {
  const s = (x: number) => `${round(x, 3)} s`;
  const curves = { frozenBlock: blocks.frozenBlock, trainStep: blocks.trainStep, evalForward: blocks.evalForward };
  for (const [name, c] of Object.entries(curves))
    note(`profile: ${name} per batch of ${BATCH}: ${s(c.short)} at 32 tokens, ${s(c.long)} at 120`);
  note(`profile: building the top's evaluation graph ${s(blocks.evalSetupSeconds)}`);
  for (const [name, p] of Object.entries(projections)) {
    note(
      `profile: ${name} recipe ${s(p.seconds)} = prefix cache ${s(p.prefixSeconds)} + ${p.steps} steps ${s(p.trainSeconds)} + ${p.evalForwards} evaluation forwards ${s(p.evalSeconds)}`,
    );
  }
}

function summary(
  result: {
    inference: string;
    device: string;
    threads: number;
    trainStepSeconds: number;
    hostSecondsPerStep: number | null;
    trainStepSecondsTwoThreads: number | null;
    frozenForwardTokensPerS: number;
    classifyMs: { p50: number; p95: number };
  },
  projections: Record<'book' | 'lastToken', RecipeProjection>,
  measured: Record<'book' | 'lastToken', MeasuredRecipe> | null,
): void {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(
    `frozen prefix (${result.inference}, ${result.threads} threads): ${result.frozenForwardTokensPerS} tokens/s through 11 GPT-2-small blocks`,
  );
  const host =
    result.hostSecondsPerStep === null ? '' : ` (${result.hostSecondsPerStep} s of it beyond the graph: clipping, AdamW, copies)`;
  out(`training step of the top block (${result.inference} on ${result.device}), batch 8 × 120: ${result.trainStepSeconds} s${host}`);
  if (result.trainStepSecondsTwoThreads !== null) {
    // The speed-up compares like with like: one tfjs thread; the ONNX step is another path.
    const speedUp =
      result.inference === 'tfjs' ? ` (${round(result.trainStepSeconds / result.trainStepSecondsTwoThreads, 2)}× one thread)` : '';
    out(`the tfjs step on two training threads: ${result.trainStepSecondsTwoThreads} s${speedUp}`);
  }
  out(`classify one SMS, GPT-2 small: p50 ${result.classifyMs.p50} ms, p95 ${result.classifyMs.p95} ms`);
  out(
    `book recipe projected: ${round(projections.book.seconds, 0)} s (book mode), ${round(projections.lastToken.seconds, 0)} s (last-token mode)`,
  );
  for (const [mode, m] of Object.entries(measured ?? {})) {
    out(
      `${mode} recipe run end to end: ${round(m.seconds, 0)} s (${m.steps} steps in ${round(m.trainSeconds, 0)} s), test accuracy ${(m.accuracy.test * 100).toFixed(2)}%`,
    );
  }
}

/** A --full run's final accuracies, as fractions to 4 digits. */
function accuracies(m: MeasuredRecipe): Record<SplitName, number> {
  return { train: round(m.accuracy.train, 4), val: round(m.accuracy.val, 4), test: round(m.accuracy.test, 4) };
}

function round(x: number, digits: number): number {
  return Number(x.toFixed(digits));
}
