import path from 'node:path';

/** A run's folder in the data folder: <data>/runs/<id>/ with its checkpoints, saved classifier and log. */
export function runPaths(dataDir: string, id: number) {
  const dir = path.join(dataDir, 'runs', String(id));
  return { dir, checkpoints: path.join(dir, 'checkpoints'), classifier: path.join(dir, 'classifier'), log: path.join(dir, 'log.txt') };
}
