#!/usr/bin/env node
// better-sqlite3 is a native module, compiled for one ABI at a time: Node's (npm test, the CLI,
// `serve`) or Electron's (npm start, npm run dev). This puts the right build in place:
//
//   node scripts/native-abi.mjs node       before tests: loads it under Node, or restores/rebuilds it
//   node scripts/native-abi.mjs electron   before the app starts: builds it for Electron
//
// Each build is kept in node_modules/.cache/native-abi/<runtime>-<abi>/, so switching back and
// forth copies a file instead of compiling (which also needs headers a machine offline may lack).
// onnxruntime-node and tfjs-node use Node-API, whose ABI is the same in Node and Electron.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const require = createRequire(path.join(root, 'package.json'));
const MODULE = 'better-sqlite3';
const binary = path.join(path.dirname(require.resolve(`${MODULE}/package.json`)), 'build/Release/better_sqlite3.node');
const marker = `${binary}.abi`;
const cacheDir = path.join(root, 'node_modules/.cache/native-abi');

const say = (line) => console.log(`native-abi: ${line}`);
const fail = (line) => {
  console.error(`native-abi: ${line}`);
  process.exit(1);
};

const current = () => (existsSync(marker) ? readFileSync(marker, 'utf8').trim() : null);
const cached = (tag) => path.join(cacheDir, tag, path.basename(binary));

function remember(tag) {
  writeFileSync(marker, tag);
  mkdirSync(path.dirname(cached(tag)), { recursive: true });
  copyFileSync(binary, cached(tag));
}

function restore(tag) {
  if (!existsSync(cached(tag))) return false;
  // Copied beside it and renamed over it: a new file, so a process that has the old one loaded
  // (a running server, a test) keeps its mapping instead of crashing on a library rewritten in place.
  copyFileSync(cached(tag), `${binary}.tmp`);
  renameSync(`${binary}.tmp`, binary);
  writeFileSync(marker, tag);
  return true;
}

/** Whether the module in place opens a database in a plain Node process (a wrong ABI throws there). */
function loadsUnderNode() {
  const probe = `new (require(${JSON.stringify(MODULE)}))(':memory:').close()`;
  return spawnSync(process.execPath, ['-e', probe], { cwd: root, stdio: 'ignore' }).status === 0;
}

function forNode() {
  const tag = `node-${process.versions.modules}`;
  if (loadsUnderNode()) {
    if (current() !== tag) remember(tag);
    return;
  }
  const was = current() ?? 'another ABI';
  if (restore(tag) && loadsUnderNode()) return say(`restored the Node build of ${MODULE} (the one in place was built for ${was})`);
  say(`${MODULE} does not load under Node ${process.version}: rebuilding it (npm rebuild ${MODULE})`);
  execFileSync('npm', ['rebuild', MODULE], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  if (!loadsUnderNode()) fail(`${MODULE} still does not load under Node after the rebuild; see the build output above`);
  remember(tag);
}

/** The Electron binary's path, or null where its download was skipped (ELECTRON_SKIP_BINARY_DOWNLOAD). */
function electronBinary() {
  try {
    const file = require('electron');
    return existsSync(file) ? file : null;
  } catch {
    return null;
  }
}

async function forElectron() {
  if (!electronBinary()) {
    fail(
      'Electron is not installed: its binary was not downloaded (ELECTRON_SKIP_BINARY_DOWNLOAD, or no internet at install time). ' +
        'Install it where the download works (`npm rebuild electron` or `npm install`), or run the same UI in a browser with `npm run serve`.',
    );
  }
  const electronDir = path.dirname(require.resolve('electron/package.json'));
  const { version } = JSON.parse(readFileSync(path.join(electronDir, 'package.json'), 'utf8'));
  const tag = `electron-${readFileSync(path.join(electronDir, 'abi_version'), 'utf8').trim()}`;
  if (current() === tag) return;
  // Keep the Node build, so the next `npm test` gets it back without compiling.
  if (loadsUnderNode()) remember(`node-${process.versions.modules}`);
  if (restore(tag)) return say(`restored the Electron ${version} build of ${MODULE}`);
  say(`building ${MODULE} for Electron ${version} (@electron/rebuild)`);
  const { rebuild } = await import('@electron/rebuild');
  try {
    await rebuild({ buildPath: root, electronVersion: version, onlyModules: [MODULE], force: true });
  } catch (err) {
    fail(`could not build ${MODULE} for Electron ${version}: ${err.message}`);
  }
  remember(tag);
}

const target = process.argv[2];
if (target === 'node') forNode();
else if (target === 'electron') await forElectron();
else fail('usage: node scripts/native-abi.mjs node|electron');
