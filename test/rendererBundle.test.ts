import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The renderer runs sandboxed in Electron and as a plain web page in `serve` mode: its bundle must
// not reach for Node or Electron. Lint forbids the imports in our sources; this checks what the
// build actually emitted, dependencies included.

const root = join(import.meta.dirname, '..');
let outDir: string;

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? files(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

/** Every module specifier the code imports or requires, statically or dynamically. */
function specifiers(code: string): string[] {
  const found: string[] = [];
  for (const m of code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s*|\brequire\s*\(\s*)(["'`])([^"'`\n]+)\1/g)) found.push(m[2]);
  return found;
}

beforeAll(() => {
  // A build of its own, so a stale out/ cannot pass and other tests' out/ is left alone.
  outDir = mkdtempSync(join(tmpdir(), 'workbench-bundle-'));
  execFileSync(
    process.execPath,
    [join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build', '--outDir', outDir, '--logLevel', 'error'],
    { cwd: root, stdio: 'pipe' },
  );
}, 300_000);

afterAll(() => {
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

describe('the renderer bundle', () => {
  it('imports only its own chunks: no Node built-in, no electron, nothing left unbundled', () => {
    const scripts = files(join(outDir, 'renderer')).filter((f) => /\.[cm]?js$/.test(f));
    expect(scripts.length).toBeGreaterThan(0);
    const builtins = new Set(builtinModules);
    const offending: string[] = [];
    for (const file of scripts) {
      const code = readFileSync(file, 'utf8');
      expect(code.length).toBeGreaterThan(0);
      for (const spec of specifiers(code)) {
        const local = spec.startsWith('./') || spec.startsWith('../') || spec.startsWith('/');
        if (!local || spec.startsWith('node:') || builtins.has(spec) || spec === 'electron')
          offending.push(`${relative(outDir, file)}: ${spec}`);
      }
    }
    expect(offending).toEqual([]);
  });

  it('finds such imports when they are there (the scan is not blind)', () => {
    expect(specifiers('import{readFileSync as a}from"node:fs";const b=require("electron");import("fs")')).toEqual([
      'node:fs',
      'electron',
      'fs',
    ]);
    expect(specifiers('import"./chunk.js";import{x}from "./a.js"')).toEqual(['./chunk.js', './a.js']);
  });

  it('loads its scripts from the page’s own origin', () => {
    const html = readFileSync(join(outDir, 'renderer/index.html'), 'utf8');
    const sources = [...html.matchAll(/<script[^>]*\bsrc="([^"]+)"/g)].map((m) => m[1]);
    expect(sources.length).toBeGreaterThan(0);
    for (const src of sources) expect(src).toMatch(/^\.?\//);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>\s*\S/);
  });
});
