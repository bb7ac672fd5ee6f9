import { open, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from './atomicWrite.js';

/*
 * Files saved as a set (weights + the JSON that describes them) are replaced as a pair: the new
 * data goes to a new versioned file beside the old one, then the small JSON that names it is
 * switched by one rename, then the old data file is removed. Everything is fsynced before the step
 * after it, so a crash or kill at any moment leaves either the old pair or the new one, both whole.
 */

/** `prefix-N.ext` with N one more than any such file in dir, so a new version never overwrites one in use. */
export async function nextVersionName(dir: string, prefix: string, ext: string): Promise<string> {
  const pattern = versionPattern(prefix, ext);
  let highest = 0;
  for (const name of await readdir(dir)) {
    const n = Number(pattern.exec(name)?.[1] ?? 0);
    if (n > highest) highest = n;
  }
  return `${prefix}-${highest + 1}${ext}`;
}

/** Matches `prefix-N.ext` (and only that: a name read from a JSON file cannot lead out of the folder). */
export function versionPattern(prefix: string, ext: string): RegExp {
  return new RegExp(`^${prefix}-(\\d{1,15})${ext.replace('.', '\\.')}$`);
}

/** Writes the pointer JSON atomically and makes the renames before it durable. */
export async function switchPointer(dir: string, pointerFile: string, json: unknown): Promise<void> {
  await syncFolder(dir); // the new data file's rename must be on disk before the pointer names it
  await writeFileAtomic(path.join(dir, pointerFile), `${JSON.stringify(json, null, 2)}\n`);
  await syncFolder(dir);
}

/** Removes the other versions and temp files of a killed save, keeping `current`. */
export async function removeStaleVersions(dir: string, prefix: string, ext: string, current: string): Promise<void> {
  const pattern = versionPattern(prefix, ext);
  for (const name of await readdir(dir)) {
    const base = name.replace(/\.tmp-\d+$/, '');
    if (name !== current && (pattern.test(base) || (base !== name && name.startsWith(prefix))))
      await rm(path.join(dir, name), { force: true });
  }
}

async function syncFolder(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
