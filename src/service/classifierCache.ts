import type { ClassifierRunner } from '../core/model/classifierRunner.js';
import type { Prediction } from '../core/model/predict.js';

const KEEP = 2;

/**
 * Saved classifiers loaded for classify, the most recently used few kept in memory (a GPT-2 small
 * classifier is ~500 MB). The engine is imported on first use, so a service that never classifies
 * never loads TensorFlow.js or ONNX Runtime.
 */
export class ClassifierCache {
  private loaded = new Map<number, Promise<ClassifierRunner>>();
  backend: string | null = null;
  /** The forward-only path classify runs on (`onnx` or `tfjs`), once known. */
  inference: string | null = null;

  /** The run's classifier, loaded from `dir` on first use and kept; the tray popup asks ahead so its first answer is quick. */
  async load(runId: number, dir: string): Promise<ClassifierRunner> {
    const [{ initBackend }, { initInference }, { loadClassifier }, { classifierRunner }] = await Promise.all([
      import('../core/model/backend.js'),
      import('../core/model/inference.js'),
      import('../core/model/savedClassifier.js'),
      import('../core/model/classifierRunner.js'),
    ]);
    this.backend = await initBackend();
    const { inference } = await initInference();
    this.inference = inference;
    let runner = this.loaded.get(runId);
    if (!runner) {
      runner = loadClassifier(dir).then((saved) => classifierRunner(saved, inference));
      this.loaded.set(runId, runner);
      runner.catch(() => this.loaded.delete(runId));
      this.evict();
    } else {
      // Most recently used last.
      this.loaded.delete(runId);
      this.loaded.set(runId, runner);
    }
    return runner;
  }

  async classify(runId: number, dir: string, texts: string[]): Promise<Prediction[]> {
    return (await this.load(runId, dir)).classify(texts);
  }

  forget(runId: number): void {
    const runner = this.loaded.get(runId);
    this.loaded.delete(runId);
    runner?.then(
      (r) => r.dispose(),
      () => {},
    );
  }

  clear(): void {
    for (const id of [...this.loaded.keys()]) this.forget(id);
  }

  private evict(): void {
    while (this.loaded.size > KEEP) this.forget(this.loaded.keys().next().value!);
  }
}
