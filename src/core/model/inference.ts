import { describeCause } from '../errorReasons.js';
import { WorkbenchError } from '../errors.js';
import { loadOnnxRuntime } from './onnx/session.js';

/** Paths for forward-only work (classify, forward, the frozen prefix): ONNX Runtime, or the tfjs model. */
export const INFERENCE_CHOICES = ['onnx', 'tfjs'] as const;
export type InferenceChoice = (typeof INFERENCE_CHOICES)[number];

export interface InferenceSelection {
  inference: InferenceChoice;
  /** Why tfjs runs when ONNX Runtime was not asked against; null otherwise. */
  fallbackReason: string | null;
}

let selected: InferenceSelection | null = null;

/**
 * Picks ONNX Runtime when its native binding loads, else tfjs with the reason. `WORKBENCH_INFERENCE`
 * (or the argument) forces one, and then failing to load it is an error rather than a silent fallback.
 */
export async function initInference(forced: string | undefined = process.env.WORKBENCH_INFERENCE): Promise<InferenceSelection> {
  if (selected) return selected;
  if (forced && !(INFERENCE_CHOICES as readonly string[]).includes(forced)) {
    throw new WorkbenchError(`unknown inference path "${forced}"; choose one of ${INFERENCE_CHOICES.join(', ')}`);
  }
  if (forced === 'tfjs') selected = { inference: 'tfjs', fallbackReason: null };
  else {
    try {
      await loadOnnxRuntime();
      selected = { inference: 'onnx', fallbackReason: null };
    } catch (err) {
      if (forced === 'onnx')
        throw new WorkbenchError(`inference "onnx" is not available on this machine: ${describeCause(err)}`, { cause: err });
      selected = { inference: 'tfjs', fallbackReason: `onnxruntime-node did not load: ${describeCause(err)}` };
    }
  }
  return selected;
}

/** The path chosen by initInference, for results and system info. */
export function inferenceName(): InferenceChoice {
  if (!selected) throw new Error('initInference() has not run');
  return selected.inference;
}
