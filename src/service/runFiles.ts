import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { WorkbenchError } from '../core/errors.js';
import type { RunStore } from './runStore.js';

/** The database's own id, stamped in each run folder it creates. */
const DATABASE_ID = 'database.id';
/** Where this database keeps its run folders, relative to the data folder (`runs`, unless another database's were there). */
const RUNS_FOLDER = 'runs.folder';
/** The file in a run folder that names the database it belongs to. */
export const RUN_FOLDER_STAMP = 'database-id';

/** A run's folder: <runs folder>/<id>/ with its checkpoints, saved classifier and log. */
export function runPaths(runsDir: string, id: number) {
  const dir = path.join(runsDir, String(id));
  return {
    dir,
    checkpoints: path.join(dir, 'checkpoints'),
    classifier: path.join(dir, 'classifier'),
    log: path.join(dir, 'log.txt'),
    stamp: path.join(dir, RUN_FOLDER_STAMP),
  };
}

/**
 * A database and the run folders it made, tied by an id stamped in both: run ids restart at 1 in a new
 * database, so a run folder is used only by the database that created it. A new database in a data folder
 * whose `runs/` holds another database's folders (the old one moved away, or emptied) keeps its runs in
 * `runs-<its id>/` and says what it found; the old folders are left as they are.
 */
export class RunFolders {
  private constructor(
    readonly databaseId: string,
    /** The absolute folder holding this database's run folders. */
    readonly root: string,
  ) {}

  /** Reads (or, the first time, stamps) the database's id and its runs folder; `log` hears what a new database found. */
  static bind(store: RunStore, dataDir: string, log: (line: string) => void): RunFolders {
    const id = store.getSetting(DATABASE_ID);
    if (id) return new RunFolders(id, path.join(dataDir, store.getSetting(RUNS_FOLDER) ?? 'runs'));
    const databaseId = randomUUID();
    const legacy = path.join(dataDir, 'runs');
    const runIds = new Set(store.list().map((r) => String(r.id)));
    const found = existsSync(legacy) ? readdirSync(legacy) : [];
    let folder = 'runs';
    if (runIds.size > 0) {
      // A database from before the stamps: the run folders of its own runs are its own.
      for (const name of found.filter((n) => runIds.has(n))) stamp(path.join(legacy, name), databaseId);
    } else if (found.length > 0) {
      folder = `runs-${databaseId.slice(0, 8)}`;
      log(
        `${legacy} holds ${found.length} run folder${found.length === 1 ? '' : 's'} of another workbench database (this one is new); they were left untouched, and this database keeps its runs in ${path.join(dataDir, folder)}`,
      );
    }
    store.setSetting(RUNS_FOLDER, folder);
    store.setSetting(DATABASE_ID, databaseId);
    return new RunFolders(databaseId, path.join(dataDir, folder));
  }

  paths(id: number) {
    return runPaths(this.root, id);
  }

  /** Whether run `id`'s folder exists and belongs to this database. */
  owns(id: number): boolean {
    return readStamp(this.paths(id).stamp) === this.databaseId;
  }

  /** Creates run `id`'s folder, stamped, or checks that the one there is this database's; refuses another's, naming it. */
  claim(id: number): ReturnType<typeof runPaths> {
    const paths = this.paths(id);
    if (existsSync(paths.dir)) {
      const owner = readStamp(paths.stamp);
      if (owner === this.databaseId) return paths;
      throw new WorkbenchError(
        `${paths.dir} belongs to ${owner ? 'another workbench database' : 'no workbench database'} (${describe(paths.dir)}); it was left untouched — move it away to train run ${id}`,
      );
    }
    mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
    stamp(paths.dir, this.databaseId);
    return paths;
  }
}

function stamp(dir: string, databaseId: string): void {
  writeFileSync(path.join(dir, RUN_FOLDER_STAMP), `${databaseId}\n`, { mode: 0o600 });
}

function readStamp(file: string): string | null {
  try {
    return readFileSync(file, 'utf8').trim() || null;
  } catch {
    return null;
  }
}

function describe(dir: string): string {
  const names = readdirSync(dir);
  return names.length ? `holds ${names.slice(0, 4).join(', ')}${names.length > 4 ? ', …' : ''}` : 'empty';
}
