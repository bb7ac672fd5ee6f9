/*
 * Instances of the project's WebAssembly kernels (assembly/*.ts, compiled by `npm run build:wasm` into base64
 * constants). Each instance has its own linear memory, which starts empty and only grows.
 */

/** A kernel instance's memory. Growing it detaches every view of its old buffer. */
export interface KernelMemory {
  buffer: ArrayBuffer;
  grow(pages: number): number;
}

/** The part of the WebAssembly API used here (TypeScript types it only in the DOM library, which core does not load). */
const { Module, Instance } = (
  globalThis as unknown as {
    WebAssembly: { Module: new (bytes: Uint8Array) => object; Instance: new (module: object) => { exports: unknown } };
  }
).WebAssembly;

const modules = new Map<string, object>();

/** A new instance of the kernel whose bytes are `base64`, compiled once (synchronously: kernels are under a kilobyte). */
export function instantiateKernel<T>(base64: string): T & { memory: KernelMemory } {
  let module = modules.get(base64);
  if (!module) modules.set(base64, (module = new Module(Buffer.from(base64, 'base64'))));
  return new Instance(module).exports as T & { memory: KernelMemory };
}

/** Bytes in a page of WebAssembly memory. */
const PAGE = 65536;

/** The memory, grown to at least `bytes`. */
export function growMemory(memory: KernelMemory, bytes: number): ArrayBuffer {
  const missing = bytes - memory.buffer.byteLength;
  if (missing > 0) memory.grow(Math.ceil(missing / PAGE));
  return memory.buffer;
}
