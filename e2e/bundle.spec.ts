import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';

/* The built renderer runs in a browser (serve) and a sandboxed page (Electron): it may load nothing but its own files. */

const RENDERER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../out/renderer');

/** Every module specifier a built script loads: static imports and re-exports, dynamic imports, require calls. */
function specifiers(code: string): string[] {
  const patterns = [
    // A specifier is one line: this keeps prose such as aria-label "Cancel the import" from matching.
    /(?:\bimport|\bfrom)\s*["']([^"'\n]+)["']/g,
    /\bimport\s*\(\s*["']([^"'\n]+)["']\s*\)/g,
    /\brequire\s*\(\s*["']([^"'\n]+)["']\s*\)/g,
  ];
  return patterns.flatMap((p) => [...code.matchAll(p)].map((m) => m[1]));
}

/** A specifier that is not one of the bundle's own files: a Node built-in, electron, or any package left unbundled. */
const foreign = (specifier: string) => !/^\.{0,2}\//.test(specifier);

function scripts(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.m?js$/.test(e.name))
    .map((e) => path.join(e.parentPath, e.name));
}

test('the check finds what it looks for', () => {
  const minified = 'import{readFile as a}from"node:fs";import"./x.js";const e=require("electron");import("fs").then(a);export*from"vue";';
  expect(specifiers(minified).filter(foreign)).toEqual(['node:fs', 'vue', 'fs', 'electron']);
  expect(specifiers('{"aria-label": "Cancel the import",\n onClick: close }, "x"')).toEqual([]);
});

test('the renderer bundle references no Node or Electron module, nor any other outside its folder', () => {
  expect(existsSync(path.join(RENDERER, 'index.html')), 'run npm run build first').toBe(true);
  const files = scripts(RENDERER);
  expect(files.length).toBeGreaterThan(0);
  for (const file of files) {
    const loaded = specifiers(readFileSync(file, 'utf8')).filter(foreign);
    expect(loaded, path.relative(RENDERER, file)).toEqual([]);
  }
});
