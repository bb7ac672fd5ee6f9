import { execFileSync } from 'node:child_process';
import fs, { mkdirSync } from 'node:fs';

/**
 * A real small file system for disk-full and read-only tests: a tmpfs of `sizeMb` mounted on `dir`. Mounting
 * needs root (containers, CI as root); elsewhere this returns why it cannot, and the test is skipped with that reason.
 */
export function mountTmpfs(dir: string, sizeMb: number): { unmount(): void; readOnly(on: boolean): void } | string {
  if (process.platform !== 'linux') return 'a tmpfs can be mounted only on Linux';
  if (process.getuid?.() !== 0) return 'mounting a tmpfs needs root (run the tests as root, or in a container)';
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m,mode=0700`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (err) {
    return `mount -t tmpfs failed: ${String((err as { stderr?: Buffer }).stderr ?? err).trim()}`;
  }
  return {
    unmount: () => execFileSync('umount', ['-l', dir], { stdio: 'pipe' }),
    readOnly: (on) => execFileSync('mount', ['-o', `remount,${on ? 'ro' : 'rw'}`, dir], { stdio: 'pipe' }),
  };
}

/** Writes zeros to `file` until the disk is full (ENOSPC); returns the bytes written. */
export function fillDisk(file: string): number {
  const chunk = Buffer.alloc(1024 * 1024);
  let written = 0;
  const fd = fs.openSync(file, 'w');
  try {
    for (;;) {
      try {
        written += fs.writeSync(fd, chunk);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
        throw err;
      }
    }
    // The last megabyte's worth, byte-exact: leave nothing free.
    for (let size = 65536; size >= 512; size /= 2) {
      try {
        for (;;) written += fs.writeSync(fd, chunk.subarray(0, size));
      } catch {
        // next smaller piece
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  return written;
}

/** Makes one file read-only for everyone, root included (a read-only bind mount over it); returns the undo. Root only, on Linux. */
export function readOnlyFile(file: string): () => void {
  execFileSync('mount', ['--bind', file, file], { stdio: 'pipe' });
  execFileSync('mount', ['-o', 'remount,ro,bind', file], { stdio: 'pipe' });
  return () => execFileSync('umount', [file], { stdio: 'pipe' });
}
