import os from 'node:os';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import type { GPT2Config } from '../config.js';
import type { TensorMap } from '../tensorMap.js';
import { decideDevice, probeCuda, sessionOptions, type DeviceSelection } from './device.js';
import { buildGpt2Graph, type GraphSpec } from './gpt2Graph.js';

type Runtime = typeof import('onnxruntime-node');

let runtime: Promise<Runtime> | null = null;

/** Loads ONNX Runtime's native binding once; rejects where it is not installed or does not load. */
export function loadOnnxRuntime(): Promise<Runtime> {
  runtime ??= import('onnxruntime-node').then((m) => (m as unknown as { default?: Runtime }).default ?? m);
  return runtime;
}

/** Intra-op threads: every core, since forward passes are the only work while they run. */
export function onnxThreads(): number {
  return os.availableParallelism();
}

let device: Promise<DeviceSelection> | null = null;

/**
 * The device every session runs on (device.ts decideDevice), chosen once: `WORKBENCH_DEVICE` (or the
 * argument) `cpu` or `cuda`, by default CUDA when it loads. Rejects on an unknown value, or on `cuda` where it does not load.
 */
export function initDevice(asked: string | undefined = process.env.WORKBENCH_DEVICE): Promise<DeviceSelection> {
  device ??= (async () => decideDevice(asked, asked === 'cpu' ? null : await probeCuda(await loadOnnxRuntime())))();
  return device;
}

/** A session of a serialized graph on the chosen device, on every core. */
export async function createSession(model: Uint8Array): Promise<{ ort: Runtime; session: InferenceSession }> {
  const ort = await loadOnnxRuntime();
  const session = await ort.InferenceSession.create(model, sessionOptions((await initDevice()).device, onnxThreads()));
  return { ort, session };
}

/** A float32 result with its shape. */
export interface HostResult {
  data: Float32Array;
  dims: number[];
}

/** One GPT-2 graph (see GraphSpec) in an ONNX Runtime session. */
export class Gpt2Session {
  private constructor(
    private readonly ort: Runtime,
    private readonly session: InferenceSession,
  ) {}

  static async create(config: GPT2Config, weights: TensorMap, spec: GraphSpec): Promise<Gpt2Session> {
    const { ort, session } = await createSession(buildGpt2Graph(config, weights, spec));
    return new Gpt2Session(ort, session);
  }

  /** Padded token ids [B][T] as the `ids` input. */
  ids(ids: number[][]): Tensor {
    return new this.ort.Tensor('int32', Int32Array.from(ids.flat()), [ids.length, ids[0].length]);
  }

  float(data: Float32Array, dims: number[]): Tensor {
    return new this.ort.Tensor('float32', data, dims);
  }

  /** Runs the graph; returns the named float outputs. */
  async run(feeds: Record<string, Tensor>, outputs: string[]): Promise<Record<string, HostResult>> {
    const results = await this.session.run(feeds, outputs);
    return Object.fromEntries(
      outputs.map((name) => {
        const t = results[name];
        const out = { data: t.data as Float32Array, dims: t.dims.slice() };
        return [name, out];
      }),
    );
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}
