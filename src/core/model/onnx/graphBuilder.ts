import { createRequire } from 'node:module';
import type { onnx as OnnxNamespace } from 'onnx-proto';

// onnx-proto is a CommonJS module whose namespace Node's ESM loader cannot see as a named export.
const { onnx } = createRequire(import.meta.url)('onnx-proto') as { onnx: typeof OnnxNamespace };

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT32 = onnx.TensorProto.DataType.INT32;
const INT64 = onnx.TensorProto.DataType.INT64;
const UINT8 = onnx.TensorProto.DataType.UINT8;

export type ElemType = 'float32' | 'int32' | 'uint8';
const ELEM_TYPES: Record<ElemType, number> = { float32: FLOAT, int32: INT32, uint8: UINT8 };
/** A dimension: fixed size, or a name for a size known only at run time ("batch"). */
export type Dim = number | string;
export type Attr = { int: number } | { float: number } | { ints: number[] } | { string: string } | { tensor: OnnxNamespace.ITensorProto };

/** Opset 17: the first with LayerNormalization. */
const OPSET = 17;
/** IR version 8 goes with opset 17. */
const IR_VERSION = 8;
const CONTRIB = 'com.microsoft';

function bytesOf(data: Float32Array | BigInt64Array): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function valueInfo(name: string, elem: ElemType, dims: Dim[]): OnnxNamespace.IValueInfoProto {
  const shape = { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) };
  return { name, type: { tensorType: { elemType: ELEM_TYPES[elem], shape } } };
}

function attribute(name: string, value: Attr): OnnxNamespace.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if ('int' in value) return { name, type: T.INT, i: value.int };
  if ('float' in value) return { name, type: T.FLOAT, f: value.float };
  if ('ints' in value) return { name, type: T.INTS, ints: value.ints };
  if ('string' in value) return { name, type: T.STRING, s: new TextEncoder().encode(value.string) };
  return { name, type: T.TENSOR, t: value.tensor };
}

export function floatTensor(name: string, shape: number[], data: Float32Array): OnnxNamespace.ITensorProto {
  return { name, dims: shape, dataType: FLOAT, rawData: bytesOf(data) };
}

/**
 * Builds an ONNX graph one node at a time. Every value is a string name; `op` returns the names of
 * the node's outputs, so model code reads like the tfjs code it mirrors.
 */
export class GraphBuilder {
  private readonly nodes: OnnxNamespace.INodeProto[] = [];
  private readonly initializers: OnnxNamespace.ITensorProto[] = [];
  private readonly inputs: OnnxNamespace.IValueInfoProto[] = [];
  private readonly outputs: OnnxNamespace.IValueInfoProto[] = [];
  private readonly constants = new Map<string, string>();
  private counter = 0;

  input(name: string, elem: ElemType, dims: Dim[]): string {
    this.inputs.push(valueInfo(name, elem, dims));
    return name;
  }

  /** Marks `value` as a graph output called `name`. */
  output(name: string, value: string, dims: Dim[]): void {
    this.nodes.push({ opType: 'Identity', input: [value], output: [name], name: `out_${name}` });
    this.outputs.push(valueInfo(name, 'float32', dims));
  }

  /** A float32 tensor stored in the model (a weight). */
  weight(name: string, shape: number[], data: Float32Array): string {
    this.initializers.push(floatTensor(name, shape, data));
    return name;
  }

  /** A float32 scalar constant, shared by every use of the same value. */
  scalar(value: number): string {
    return this.constant(`f:${value}`, () => floatTensor('', [], Float32Array.of(value)));
  }

  /** An int64 constant vector (shapes, axes, split sizes); `scalar` gives it shape []. */
  ints(values: number[], scalar = false): string {
    return this.constant(`i:${scalar ? 's' : ''}${values.join(',')}`, () => ({
      dims: scalar ? [] : [values.length],
      dataType: INT64,
      rawData: bytesOf(BigInt64Array.from(values, (v) => BigInt(v))),
    }));
  }

  private constant(key: string, make: () => OnnxNamespace.ITensorProto): string {
    let name = this.constants.get(key);
    if (!name) {
      name = `const_${this.constants.size}`;
      this.initializers.push({ ...make(), name });
      this.constants.set(key, name);
    }
    return name;
  }

  /** Adds a node; returns its output names. */
  op(opType: string, inputs: string[], attrs: Record<string, Attr> = {}, outputs = 1, domain = ''): string[] {
    const id = this.counter++;
    const names = Array.from({ length: outputs }, (_, i) => `${opType}_${id}_${i}`);
    this.nodes.push({
      opType,
      domain,
      input: inputs,
      output: names,
      name: `${opType}_${id}`,
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return names;
  }

  /** A node with one output. */
  op1(opType: string, inputs: string[], attrs: Record<string, Attr> = {}): string {
    return this.op(opType, inputs, attrs)[0];
  }

  /** A node of ONNX Runtime's own operators (com.microsoft): fused CPU kernels that standard ONNX lacks. */
  contrib(opType: string, inputs: string[], attrs: Record<string, Attr> = {}, outputs = 1): string[] {
    return this.op(opType, inputs, attrs, outputs, CONTRIB);
  }

  /** The serialized model (protobuf bytes) that InferenceSession.create takes. */
  encode(): Uint8Array {
    const graph = { name: 'gpt2', node: this.nodes, initializer: this.initializers, input: this.inputs, output: this.outputs };
    return onnx.ModelProto.encode({
      irVersion: IR_VERSION,
      opsetImport: [
        { domain: '', version: OPSET },
        { domain: CONTRIB, version: 1 },
      ],
      producerName: 'spam-workbench',
      graph,
    }).finish();
  }
}
