import { initInference, type InferenceChoice } from '../core/model/inference.js';

/** Picks the inference path; a fallback to tfjs is said on stderr with its reason. */
export async function initInferenceReported(command: string): Promise<InferenceChoice> {
  const { inference, fallbackReason } = await initInference();
  if (fallbackReason) process.stderr.write(`${command}: inference on tfjs (${fallbackReason})\n`);
  return inference;
}
