import os from 'node:os';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import type { GPT2Config } from '../config.js';
import type { TensorMap } from '../tensorMap.js';
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
    const ort = await loadOnnxRuntime();
    const model = buildGpt2Graph(config, weights, spec);
    const session = await ort.InferenceSession.create(model, { intraOpNumThreads: onnxThreads(), graphOptimizationLevel: 'all' });
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
