import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';
import { WorkbenchError } from '../../errors.js';
import { GraphBuilder } from './graphBuilder.js';

type Runtime = typeof import('onnxruntime-node');

/** Where ONNX Runtime's sessions run: its CPU kernels, or its CUDA execution provider. */
export const DEVICE_CHOICES = ['cpu', 'cuda'] as const;
export type Device = (typeof DEVICE_CHOICES)[number];

export interface DeviceSelection {
  device: Device;
  /** Why the CPU when CUDA was not asked against; null otherwise. */
  reason: string | null;
}

/** Whether CUDA loaded in ONNX Runtime here, and why not. */
export type CudaProbe = { loaded: true } | { loaded: false; reason: string };

/**
 * The device from `WORKBENCH_DEVICE` (`asked`) and what loaded: CUDA when it loads unless `cpu` is asked
 * for, else the CPU with the reason; asking for `cuda` where it does not load is an error, not a
 * silent fallback. `cuda` may be null (not probed) only when `cpu` is asked for.
 */
export function decideDevice(asked: string | undefined, cuda: CudaProbe | null): DeviceSelection {
  if (asked && !(DEVICE_CHOICES as readonly string[]).includes(asked)) {
    throw new WorkbenchError(`unknown device "${asked}" in WORKBENCH_DEVICE; choose one of ${DEVICE_CHOICES.join(', ')}`);
  }
  if (asked === 'cpu') return { device: 'cpu', reason: null };
  if (!cuda) throw new Error('decideDevice: CUDA was not probed');
  if (cuda.loaded) return { device: 'cuda', reason: null };
  if (asked === 'cuda') throw new WorkbenchError(`WORKBENCH_DEVICE=cuda, but CUDA did not load: ${cuda.reason}`);
  return { device: 'cpu', reason: `CUDA did not load: ${cuda.reason}` };
}

/** The options every session is created with. */
export function sessionOptions(device: Device, threads: number): InferenceSession.SessionOptions {
  return {
    intraOpNumThreads: threads,
    graphOptimizationLevel: 'all',
    // A node CUDA has no kernel for runs on the CPU.
    executionProviders: device === 'cuda' ? [{ name: 'cuda', deviceId: 0 }, 'cpu'] : ['cpu'],
  };
}

/** The folder of onnxruntime-node's native binding, where its install script puts the CUDA provider. */
function bindingFolder(): string {
  const main = createRequire(import.meta.url).resolve('onnxruntime-node');
  return path.join(path.dirname(main), '..', 'bin', 'napi-v6', process.platform, process.arch);
}

/** A one-node graph: creating a session of it with the CUDA provider loads CUDA and finds the GPU, or fails saying why. */
function probeGraph(): Uint8Array {
  const g = new GraphBuilder();
  g.output('y', g.op1('Identity', [g.input('x', 'float32', [1])]), [1]);
  return g.encode();
}

/**
 * Whether ONNX Runtime's CUDA execution provider loads here. The common reasons it does not are checked
 * first, since ONNX Runtime then prints an error of its own: a build without it (only Linux x64 has one),
 * or the provider's files left out at install (`ONNXRUNTIME_NODE_INSTALL=skip`, no network).
 */
export async function probeCuda(ort: Runtime): Promise<CudaProbe> {
  if (!ort.listSupportedBackends().some((b) => b.name === 'cuda'))
    return { loaded: false, reason: `this onnxruntime-node build has no CUDA execution provider (${process.platform}/${process.arch})` };
  const folder = bindingFolder();
  const provider = 'libonnxruntime_providers_cuda.so';
  if (!existsSync(path.join(folder, provider))) {
    return {
      loaded: false,
      reason: `onnxruntime-node's CUDA files are not installed (no ${provider} in ${folder}; reinstall onnxruntime-node without ONNXRUNTIME_NODE_INSTALL=skip)`,
    };
  }
  try {
    const session = await ort.InferenceSession.create(probeGraph(), { executionProviders: [{ name: 'cuda', deviceId: 0 }] });
    await session.release();
    return { loaded: true };
  } catch (err) {
    return { loaded: false, reason: (err as Error).message.split('\n')[0] };
  }
}
