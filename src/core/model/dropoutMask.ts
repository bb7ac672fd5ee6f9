/*
 * tf.dropout's masks drawn on the host, for the ONNX training graph. tfjs-core's dropout is
 * x · floor(u + keep) / keep with u = randomUniform(shape, 0, 1, 'float32', seed), whose numbers come from
 * seedrandom's Alea seeded with String(seed); the same generator and the same float32 arithmetic here give
 * the very same masks, so both engines train on the same dropped units.
 */

import { growMemory, instantiateKernel, type KernelMemory } from '../wasmKernel.js';
import { DROPOUT_KERNEL_WASM } from './dropoutKernel.js';

/** Bump when the masks a seed gives change: stored trails of dropped prefixes (train/trailStore.ts) then miss. */
export const MASK_GENERATOR_VERSION = 1;

/** Johannes Baagøe's Mash hash (MIT), as seedrandom seeds Alea with it. */
function mash(): (data: string) => number {
  let n = 0xefc8249d;
  return (data) => {
    for (let i = 0; i < data.length; i++) {
      n += data.charCodeAt(i);
      let h = 0.02519603282416938 * n;
      n = h >>> 0;
      h -= n;
      h *= n;
      n = h >>> 0;
      h -= n;
      n += h * 0x100000000;
    }
    return (n >>> 0) * 2.3283064365386963e-10;
  };
}

/** Alea's state [s0, s1, s2, c] as seedrandom.alea(seed) seeds it. */
function aleaState(seed: string): [number, number, number, number] {
  const m = mash();
  const start = [m(' '), m(' '), m(' ')];
  const [s0, s1, s2] = start.map((s) => {
    const t = s - m(seed);
    return t < 0 ? t + 1 : t;
  });
  return [s0, s1, s2, 1];
}

/** Baagøe's Alea generator (MIT) as seedrandom.alea(seed) builds it: floats in [0, 1). */
export function alea(seed: string): () => number {
  let [s0, s1, s2, c] = aleaState(seed);
  return () => {
    const t = 2091639 * s0 + c * 2.3283064365386963e-10;
    s0 = s1;
    s1 = s2;
    return (s2 = t - (c = t | 0));
  };
}

/** The float32 factor a kept unit is multiplied by: 1 / keep, as tf.dropout divides by it. */
export function dropoutScale(rate: number): number {
  return Math.fround(1 / Math.fround(1 - rate));
}

/**
 * The smallest draw u that tf.dropout keeps. It keeps u when fround(fround(u) + keep) ≥ 1 (u stored as float32 and
 * added in float32); both roundings are monotone, so that holds exactly from one u up, found here by bisection, and
 * one comparison per unit then gives the same mask without the float32 arithmetic.
 */
export function keepThreshold(rate: number): number {
  const keep = Math.fround(1 - rate);
  const kept = (u: number) => Math.fround(Math.fround(u) + keep) >= 1;
  let [lo, hi] = [0, 1];
  for (;;) {
    const mid = (lo + hi) / 2;
    if (mid === lo || mid === hi) return hi;
    if (kept(mid)) hi = mid;
    else lo = mid;
  }
}

/** One mask to draw: `size` units with tf.dropout's seed `seed`. */
export interface MaskRequest {
  size: number;
  seed: number;
}

/** Generators the kernel advances together (assembly/dropoutMasks.ts): four f64x2 vectors of two. */
const GROUP = 8;
/** Kernel memory per generator: its state s0, s1, s2, c (f64) and its mask's address (u32). */
const STATE_BYTES = 32;
const ADDRESS_BYTES = 4;

interface Kernel {
  draw(state: number, outputs: number, groups: number, from: number, to: number, threshold: number): void;
}

let instance: (Kernel & { memory: KernelMemory }) | undefined;

/** The compiled kernel, instantiated on first use. */
function dropoutKernel(): Kernel & { memory: KernelMemory } {
  instance ??= instantiateKernel<Kernel>(DROPOUT_KERNEL_WASM);
  return instance;
}

/** Most mask bytes one pass of the kernel holds: its memory (wasm32) ends at 4 GiB. */
const PASS_BYTES = 2 ** 30;

/**
 * Which units tf.dropout(x, rate, undefined, seed) keeps (1) and drops (0), in x's row-major order, for several
 * masks at once. One Alea's next number waits on its last, so a WebAssembly kernel (assembly/dropoutMasks.ts)
 * advances eight generators side by side, a unit of each per turn, with the same f64 arithmetic as alea(). Masks
 * past `passBytes` in all are drawn in further passes.
 */
export function dropoutMasks(requests: MaskRequest[], rate: number, passBytes = PASS_BYTES): Uint8Array[] {
  const passes: MaskRequest[][] = [];
  let bytes = Infinity;
  for (const request of requests) {
    if (bytes + request.size > passBytes) {
      passes.push([]);
      bytes = 0;
    }
    passes[passes.length - 1].push(request);
    bytes += request.size;
  }
  return passes.flatMap((pass) => drawPass(pass, rate));
}

/** The masks of `requests`, drawn in one pass of the kernel. */
function drawPass(requests: MaskRequest[], rate: number): Uint8Array[] {
  const kernel = dropoutKernel();
  const threshold = keepThreshold(rate);
  // Longest first, so the generators still drawing at unit i are always the first `active` ones.
  const order = requests.map((_, j) => j).sort((a, b) => requests[b].size - requests[a].size);
  const sizes = order.map((j) => requests[j].size);
  const slots = Math.ceil(order.length / GROUP) * GROUP;
  // Memory: the generators' state, their masks' addresses, a scratch mask that finished and padding generators
  // write to, then the masks in request order.
  const addresses = slots * STATE_BYTES;
  const scratch = addresses + slots * ADDRESS_BYTES;
  const starts: number[] = [];
  let end = scratch + (sizes[0] ?? 0);
  for (const { size } of requests) {
    starts.push(end);
    end += size;
  }
  const buffer = growMemory(kernel.memory, end);
  const state = new Float64Array(buffer, 0, 4 * slots);
  const address = new Uint32Array(buffer, addresses, slots);
  address.fill(scratch);
  order.forEach((j, g) => {
    // Generator g is lane g % 2 of vector g >> 1, whose [s0, s1, s2, c] pairs are 8 f64 apart.
    aleaState(String(requests[j].seed)).forEach((value, field) => (state[8 * (g >> 1) + 2 * field + (g & 1)] = value));
    address[g] = starts[j];
  });
  let from = 0;
  for (let active = order.length; active > 0;) {
    const to = sizes[active - 1];
    kernel.draw(0, addresses, Math.ceil(active / GROUP), from, to, threshold);
    from = to;
    while (active > 0 && sizes[active - 1] <= from) address[--active] = scratch;
  }
  return requests.map(({ size }, j) => new Uint8Array(buffer, starts[j], size).slice());
}

/** One mask: see dropoutMasks. */
export function dropoutMask(size: number, rate: number, seed: number): Uint8Array {
  return dropoutMasks([{ size, seed }], rate)[0];
}
