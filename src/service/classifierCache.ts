import type { SavedClassifier } from '../core/model/savedClassifier.js';
import type { Prediction } from '../core/model/predict.js';

const KEEP = 2;

/**
 * Saved classifiers loaded for classify, the most recently used few kept in memory (a GPT-2 small
 * classifier is ~500 MB). The engine is imported on first use, so a service that never classifies
 * never loads TensorFlow.js.
 */
export class ClassifierCache {
  private loaded = new Map<number, Promise<SavedClassifier>>();
  backend: string | null = null;

  async classify(runId: number, dir: string, texts: string[]): Promise<Prediction[]> {
    const [{ initBackend }, { loadClassifier }, { classify }] = await Promise.all([
      import('../core/model/backend.js'),
      import('../core/model/savedClassifier.js'),
      import('../core/model/predict.js'),
    ]);
    this.backend = await initBackend();
    let saved = this.loaded.get(runId);
    if (!saved) {
      saved = loadClassifier(dir);
      this.loaded.set(runId, saved);
      saved.catch(() => this.loaded.delete(runId));
      this.evict();
    } else {
      // Most recently used last.
      this.loaded.delete(runId);
      this.loaded.set(runId, saved);
    }
    return classify(await saved, texts);
  }

  forget(runId: number): void {
    const saved = this.loaded.get(runId);
    this.loaded.delete(runId);
    saved?.then((s) => s.model.dispose(), () => {});
  }

  clear(): void {
    for (const id of [...this.loaded.keys()]) this.forget(id);
  }

  private evict(): void {
    while (this.loaded.size > KEEP) this.forget(this.loaded.keys().next().value!);
  }
}
