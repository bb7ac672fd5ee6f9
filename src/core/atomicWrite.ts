import { open, rename, unlink, type FileHandle } from 'node:fs/promises';

/**
 * Writes a file through a temp file beside it, synced to disk and then renamed over it: a crash or a
 * failed write (disk full, …) leaves the previous file intact, never a half-written one that a later
 * reader would trust. `content` is the whole file, or a function that writes it through the handle.
 */
export async function writeFileAtomic(path: string, content: string | Uint8Array | ((file: FileHandle) => Promise<void>)): Promise<void> {
  const temp = `${path}.tmp-${process.pid}`;
  try {
    const file = await open(temp, 'w');
    try {
      if (typeof content === 'function') await content(file);
      else await file.writeFile(content);
      await file.sync(); // the data must be on disk before the rename makes it the file
    } finally {
      await file.close();
    }
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => undefined); // the temp file may not exist if open failed
    throw err;
  }
}
