let loading: Promise<void> | null = null;

/**
 * Registers the gradients of tfjs-core's ops. tfjs ships them separately, and loading them costs
 * ~1.5 s at start-up (they exist only in tfjs-core's unbundled ES-module build), so only code that
 * trains calls this; inference does not need it.
 */
export function loadGradients(): Promise<void> {
  loading ??= import('@tensorflow/tfjs-core/dist/register_all_gradients').then(() => undefined);
  return loading;
}
