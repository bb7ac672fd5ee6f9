import { open, type FileHandle } from 'node:fs/promises';
import { writeFileAtomic } from '../atomicWrite.js';
import { describeCause } from '../errorReasons.js';
import { WorkbenchError } from '../errors.js';
import { sizeOf, type HostTensor, type TensorMap } from './tensorMap.js';

/**
 * Bytes per element of every dtype the safetensors format defines: offsets of all tensors are
 * validated, even of those (e.g. I64 buffers) that we cannot convert and a filter may skip.
 */
const DTYPE_BYTES = new Map<string, number>([
  ...['BOOL', 'U8', 'I8', 'F8_E5M2', 'F8_E4M3'].map((d) => [d, 1] as const),
  ...['I16', 'U16', 'F16', 'BF16'].map((d) => [d, 2] as const),
  ...['I32', 'U32', 'F32'].map((d) => [d, 4] as const),
  ...['I64', 'U64', 'F64'].map((d) => [d, 8] as const),
]);

/** The reference implementation's limit; a larger "header" means the file is something else. */
const MAX_HEADER_BYTES = 100_000_000;

/** Node's fs.read/write move at most ~2 GiB per call; tensors of big checkpoints can exceed that. */
const IO_CHUNK = 1 << 30;

export interface SafetensorsEntry {
  name: string;
  dtype: string;
  shape: number[];
  /** Byte range [begin, end) relative to the start of the data section. */
  dataOffsets: [number, number];
}

export interface SafetensorsHeader {
  /** In file order (by data offset). */
  entries: SafetensorsEntry[];
  metadata: Record<string, string>;
  /** Absolute file position of the data section. */
  dataStart: number;
}

export async function readSafetensorsHeader(path: string): Promise<SafetensorsHeader> {
  return withFile(path, (file, fileSize) => parseHeader(file, fileSize, path));
}

/**
 * Reads F32/F16/BF16 tensors as float32, one tensor at a time, so files larger than a Buffer work.
 * NaN and ±Infinity are refused (weights holding them are damaged) unless `nonFinite` is 'allow'.
 */
export async function readSafetensors(
  path: string,
  options: { filter?: (name: string) => boolean; nonFinite?: 'refuse' | 'allow' } = {},
): Promise<{ tensors: TensorMap; metadata: Record<string, string> }> {
  return withFile(path, async (file, fileSize) => {
    const header = await parseHeader(file, fileSize, path);
    const tensors: TensorMap = new Map();
    for (const entry of header.entries) {
      if (options.filter && !options.filter(entry.name)) continue;
      const tensor = await readTensor(file, header.dataStart, entry, path);
      if (options.nonFinite !== 'allow') checkFinite(entry.name, tensor.data, path);
      tensors.set(entry.name, tensor);
    }
    return { tensors, metadata: header.metadata };
  });
}

async function withFile<T>(path: string, use: (file: FileHandle, fileSize: number) => Promise<T>): Promise<T> {
  let file: FileHandle;
  try {
    file = await open(path, 'r');
  } catch (err) {
    throw new WorkbenchError(`cannot read ${path}: ${describeCause(err)}`, { cause: err });
  }
  try {
    return await use(file, (await file.stat()).size);
  } catch (err) {
    if (err instanceof WorkbenchError) throw err;
    throw new WorkbenchError(`cannot read ${path}: ${describeCause(err)}`, { cause: err });
  } finally {
    await file.close();
  }
}

async function parseHeader(file: FileHandle, fileSize: number, path: string): Promise<SafetensorsHeader> {
  // The messages never quote the file's bytes (its first 8 are the header length): a path given by mistake, or on
  // purpose, tells nothing of what the file holds.
  if (fileSize < 8) throw new WorkbenchError(`${path}: not a safetensors file (too short)`);
  const headerLength = (await readBytes(file, 0, 8)).readBigUInt64LE(0);
  if (headerLength > BigInt(fileSize - 8)) {
    throw new WorkbenchError(`${path}: not a safetensors file, or truncated: its header length is larger than the file`);
  }
  if (headerLength > BigInt(MAX_HEADER_BYTES)) {
    throw new WorkbenchError(`${path}: not a safetensors file (its header length is implausibly large)`);
  }
  const dataStart = 8 + Number(headerLength);
  const json = parseJson((await readBytes(file, 8, dataStart - 8)).toString('utf8'), path);
  const { __metadata__: rawMetadata, ...rawEntries } = json;
  const entries = Object.entries(rawEntries)
    .map(([name, raw]) => parseEntry(name, raw, path))
    .sort((a, b) => a.dataOffsets[0] - b.dataOffsets[0] || a.dataOffsets[1] - b.dataOffsets[1]);
  checkLayout(entries, dataStart, fileSize, path);
  return { entries, metadata: parseMetadata(rawMetadata, path), dataStart };
}

function parseJson(text: string, path: string): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new WorkbenchError(`${path}: not a safetensors file (its header is not valid JSON)`);
  }
  if (!isObject(json)) throw new WorkbenchError(`${path}: not a safetensors file (its header is not a JSON object)`);
  return json;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isCount(v: unknown): v is number {
  return Number.isSafeInteger(v) && (v as number) >= 0;
}

function parseMetadata(raw: unknown, path: string): Record<string, string> {
  if (raw === undefined) return {};
  if (!isObject(raw) || !Object.values(raw).every((v) => typeof v === 'string')) {
    throw new WorkbenchError(`${path}: "__metadata__" must map strings to strings`);
  }
  return raw as Record<string, string>;
}

function parseEntry(name: string, raw: unknown, path: string): SafetensorsEntry {
  const bad = (what: string) => new WorkbenchError(`${path}: tensor ${JSON.stringify(name)}: ${what}`);
  if (!isObject(raw)) throw bad('header entry is not an object');
  const { dtype, shape, data_offsets: offsets } = raw;
  if (typeof dtype !== 'string') throw bad('missing "dtype"');
  if (!Array.isArray(shape) || !shape.every(isCount)) throw bad('missing or invalid "shape"');
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) throw bad('missing or invalid "data_offsets"');
  const bytesPerValue = DTYPE_BYTES.get(dtype);
  if (bytesPerValue === undefined) throw bad(`unknown dtype ${JSON.stringify(dtype)}`);
  const [begin, end] = offsets as [number, number];
  if (end < begin) throw bad(`data_offsets [${begin}, ${end}] end before they begin`);
  const needed = sizeOf(shape) * bytesPerValue;
  if (end - begin !== needed) {
    throw bad(`data_offsets [${begin}, ${end}] span ${end - begin} bytes, but shape [${shape.join(', ')}] of ${dtype} needs ${needed}`);
  }
  return { name, dtype, shape, dataOffsets: [begin, end] };
}

/** Tensors must tile the data section exactly, as the reference implementation requires. */
function checkLayout(sorted: SafetensorsEntry[], dataStart: number, fileSize: number, path: string): void {
  let end = 0;
  for (const {
    name,
    dataOffsets: [begin, next],
  } of sorted) {
    if (begin < end)
      throw new WorkbenchError(
        `${path}: tensor ${JSON.stringify(name)} overlaps another tensor (data_offsets start at ${begin}, before ${end})`,
      );
    if (begin > end)
      throw new WorkbenchError(`${path}: gap before tensor ${JSON.stringify(name)} (data_offsets start at ${begin}, expected ${end})`);
    end = next;
  }
  const expectedSize = dataStart + end;
  if (expectedSize > fileSize) {
    throw new WorkbenchError(
      `${path}: truncated: expected ${expectedSize} bytes, file has ${fileSize} (incomplete download? delete it and download again)`,
    );
  }
  if (expectedSize < fileSize) {
    throw new WorkbenchError(`${path}: corrupt: its header describes ${expectedSize} bytes, but the file has ${fileSize}`);
  }
}

async function readTensor(file: FileHandle, dataStart: number, entry: SafetensorsEntry, path: string): Promise<HostTensor> {
  const count = sizeOf(entry.shape);
  const position = dataStart + entry.dataOffsets[0];
  // Typed arrays use the host byte order; safetensors is little-endian, as are the hosts Node runs on in practice.
  switch (entry.dtype) {
    case 'F32': {
      const data = new Float32Array(count);
      await readInto(file, bytesOf(data), position);
      return { shape: entry.shape, data };
    }
    case 'F16':
    case 'BF16': {
      const raw = new Uint16Array(count);
      await readInto(file, bytesOf(raw), position);
      return { shape: entry.shape, data: entry.dtype === 'F16' ? float16ToFloat32(raw) : bfloat16ToFloat32(raw) };
    }
    default:
      throw new WorkbenchError(
        `${path}: tensor ${JSON.stringify(entry.name)} has dtype ${entry.dtype}; only F32, F16 and BF16 can be read`,
      );
  }
}

/** NaN or ±Infinity in weights is damage (a diverged run, a broken file): the model would only ever answer NaN. */
function checkFinite(name: string, data: Float32Array, path: string): void {
  for (let i = 0; i < data.length; i++) {
    // x - x is 0 for every finite x, NaN for NaN and ±Infinity; cheaper than Number.isFinite per value.
    if (data[i] - data[i] !== 0) {
      throw new WorkbenchError(
        `${path}: tensor ${JSON.stringify(name)} holds ${data[i]} (value ${i}): the weights are damaged, e.g. by a training run that diverged`,
      );
    }
  }
}

function bytesOf(a: Float32Array | Uint16Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

async function readBytes(file: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  await readInto(file, buffer, position);
  return buffer;
}

async function readInto(file: FileHandle, target: Uint8Array, position: number): Promise<void> {
  for (let done = 0; done < target.byteLength;) {
    const length = Math.min(IO_CHUNK, target.byteLength - done);
    const { bytesRead } = await file.read(target, done, length, position + done);
    if (bytesRead === 0) throw new Error('the file ended early (was it changed while being read?)');
    done += bytesRead;
  }
}

let float16Table: Uint32Array | undefined;

/** float16 → float32 by a 64K-entry table of float32 bit patterns: exact, and fast for whole checkpoints. */
function float16ToFloat32(raw: Uint16Array): Float32Array {
  float16Table ??= Uint32Array.from({ length: 65536 }, (_, h) => float16BitsToFloat32Bits(h));
  const out = new Uint32Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = float16Table[raw[i]];
  return new Float32Array(out.buffer);
}

function float16BitsToFloat32Bits(h: number): number {
  const sign = (h & 0x8000) << 16;
  let exponent = (h >> 10) & 0x1f;
  let mantissa = h & 0x3ff;
  if (exponent === 0x1f) return sign | 0x7f800000 | (mantissa << 13); // inf, or nan keeping its payload
  if (exponent === 0) {
    if (mantissa === 0) return sign; // ±0
    // Subnormal (mantissa · 2^-24): shift until the implicit leading 1 appears, lowering the exponent.
    exponent = 1;
    while ((mantissa & 0x400) === 0) {
      mantissa <<= 1;
      exponent--;
    }
    mantissa &= 0x3ff;
  }
  return sign | ((exponent + 127 - 15) << 23) | (mantissa << 13);
}

/** bfloat16 is the top half of a float32. */
function bfloat16ToFloat32(raw: Uint16Array): Float32Array {
  const out = new Uint32Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw[i] << 16;
  return new Float32Array(out.buffer);
}

/** Writes float32 tensors sorted by name; a failed write (disk full, …) leaves any previous file intact. */
export async function writeSafetensors(path: string, tensors: TensorMap, metadata?: Record<string, string>): Promise<void> {
  const sorted = [...tensors].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [name, tensor] of sorted) checkTensor(name, tensor, path);
  const header = encodeHeader(sorted, metadata);
  try {
    await writeFileAtomic(path, async (file) => {
      await writeAll(file, header);
      for (const [, tensor] of sorted) await writeAll(file, bytesOf(tensor.data));
    });
  } catch (err) {
    throw new WorkbenchError(`cannot write ${path}: ${describeCause(err)}`, { cause: err });
  }
}

function checkTensor(name: string, tensor: HostTensor, path: string): void {
  const needed = sizeOf(tensor.shape);
  if (tensor.data.length !== needed) {
    throw new WorkbenchError(
      `cannot write ${path}: tensor ${JSON.stringify(name)} has ${tensor.data.length} values, but shape [${tensor.shape.join(', ')}] needs ${needed}`,
    );
  }
}

/** 8-byte little-endian length, then the JSON header padded with spaces so the data starts 8-byte aligned. */
function encodeHeader(sorted: [string, HostTensor][], metadata?: Record<string, string>): Buffer {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, { shape, data }] of sorted) {
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + data.byteLength] };
    offset += data.byteLength;
  }
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const padded = Buffer.concat([json, Buffer.alloc((8 - (json.length % 8)) % 8, ' ')]);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(padded.length));
  return Buffer.concat([length, padded]);
}

async function writeAll(file: FileHandle, bytes: Uint8Array): Promise<void> {
  for (let done = 0; done < bytes.byteLength;) {
    done += (await file.write(bytes, done, Math.min(IO_CHUNK, bytes.byteLength - done))).bytesWritten;
  }
}
