#!/usr/bin/env node
// better-sqlite3 is a native module, compiled for one ABI at a time: Node's (npm test, the CLI,
// `serve`) or Electron's (npm start, npm run dev). This puts the right build in place:
//
//   node scripts/native-abi.mjs node       before tests: loads it under Node, or restores/rebuilds it
//   node scripts/native-abi.mjs electron   before the app starts: builds it for Electron
//
// What is in place is read from the binary itself (the NODE_MODULE_VERSION it was compiled for), never
// from a note beside it, so an `npm rebuild` or `npm ci` in between cannot fool it.
// Each build is kept in node_modules/.cache/native-abi/<runtime>-<abi>/, so switching back and
// forth copies a file instead of compiling (which also needs headers a machine offline may lack).
// onnxruntime-node and tfjs-node use Node-API, whose ABI is the same in Node and Electron.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, unlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const root = path.resolve(import.meta.dirname, '..');
const require = createRequire(path.join(root, 'package.json'));
const MODULE = 'better-sqlite3';
const cacheDir = path.join(root, 'node_modules/.cache/native-abi');

/**
 * The NODE_MODULE_VERSION a native module was compiled for, read from the error a Node of another ABI
 * gives when it loads it ("…compiled against a different Node.js version using NODE_MODULE_VERSION 140.
 * This version of Node.js requires NODE_MODULE_VERSION 115…"); null when the error says nothing of it.
 * @param {string} message
 * @returns {number | null}
 */
export function abiFromLoadError(message) {
  const match = /using\s+NODE_MODULE_VERSION\s+(\d+)/.exec(message) ?? /NODE_MODULE_VERSION\s+(\d+)/.exec(message);
  return match ? Number(match[1]) : null;
}

/**
 * Whether @electron/rebuild can run on this Node: version 4 needs Node ≥ 22.12. On an older Node the
 * Electron build goes through npm's own rebuild with Electron's runtime and headers instead.
 * @param {string} version process.versions.node
 */
export function canUseElectronRebuild(version) {
  const [major, minor] = version.split('.').map(Number);
  return major > 22 || (major === 22 && minor >= 12);
}

/**
 * Puts `src` at `dest` as a new file (copied beside it, then renamed over it), so a process that has the
 * old one loaded (a running server, a test) keeps its mapping instead of crashing on a library rewritten
 * in place. Windows refuses to replace a loaded DLL (EPERM/EBUSY/EACCES) but lets it be renamed: the old
 * one is moved aside to `dest.old-*` (removed by a later run, once nothing has it loaded).
 * @param {string} src
 * @param {string} dest
 * @param {{ copyFileSync(src: string, dest: string): void, renameSync(from: string, to: string): void }} [fs]
 */
export function replaceFile(src, dest, fs = { copyFileSync, renameSync }) {
  const tmp = `${dest}.tmp`;
  fs.copyFileSync(src, tmp);
  try {
    fs.renameSync(tmp, dest);
  } catch (err) {
    const code = /** @type {NodeJS.ErrnoException} */ (err).code;
    if (code !== 'EPERM' && code !== 'EBUSY' && code !== 'EACCES') throw err;
    fs.renameSync(dest, `${dest}.old-${process.pid}-${Date.now()}`);
    fs.renameSync(tmp, dest);
  }
}

/** @param {string} dir */
function removeOldCopies(dir) {
  for (const name of existsSync(dir) ? readdirSync(dir) : []) {
    if (!/\.node\.old-\d+-\d+$/.test(name)) continue;
    try {
      unlinkSync(path.join(dir, name));
    } catch {
      // Still loaded by a running process (Windows): next time.
    }
  }
}

const say = (/** @type {string} */ line) => console.log(`native-abi: ${line}`);
class Failure extends Error {}
const fail = (/** @type {string} */ line) => {
  throw new Failure(line);
};

function binaryPath() {
  return path.join(path.dirname(require.resolve(`${MODULE}/package.json`)), 'build/Release/better_sqlite3.node');
}

/**
 * The ABI `file` was built for: Node's own when it loads in a plain Node process, else the one its load
 * error names; null when it is missing or broken in another way.
 * @param {string} file
 */
function abiOf(file) {
  if (!existsSync(file)) return null;
  const probe = `process.dlopen({ exports: {} }, ${JSON.stringify(file)})`;
  const r = spawnSync(process.execPath, ['-e', probe], { cwd: root, encoding: 'utf8' });
  return r.status === 0 ? Number(process.versions.modules) : abiFromLoadError(r.stderr ?? '');
}

/** Whether the module in place opens a database in a plain Node process. */
function loadsUnderNode() {
  const probe = `new (require(${JSON.stringify(MODULE)}))(':memory:').close()`;
  return spawnSync(process.execPath, ['-e', probe], { cwd: root, stdio: 'ignore' }).status === 0;
}

/**
 * Where the build for `tag` (node-115, electron-140) of the installed version is kept: a build of another
 * version of the module must never come back.
 * @param {string} tag
 */
function cached(tag) {
  const { version } = JSON.parse(readFileSync(require.resolve(`${MODULE}/package.json`), 'utf8'));
  return path.join(cacheDir, `${MODULE}@${version}`, tag, 'better_sqlite3.node');
}

/** Keeps the build in place (of the ABI `tag` names) in the cache. @param {string} tag */
function remember(tag) {
  const binary = binaryPath();
  if (existsSync(cached(tag)) && readFileSync(cached(tag)).equals(readFileSync(binary))) return;
  mkdirSync(path.dirname(cached(tag)), { recursive: true });
  copyFileSync(binary, cached(tag));
}

/** Puts the cached build of `abi` in place when there is one that really is of that ABI. @param {string} tag @param {number} abi */
function restore(tag, abi) {
  if (abiOf(cached(tag)) !== abi) return false;
  replaceFile(cached(tag), binaryPath());
  return true;
}

function dropLegacyMarker() {
  // Earlier versions of this script kept the ABI in a file beside the binary; the binary is what counts.
  rmSync(`${binaryPath()}.abi`, { force: true });
}

function forNode() {
  const abi = Number(process.versions.modules);
  const tag = `node-${abi}`;
  dropLegacyMarker();
  removeOldCopies(path.dirname(binaryPath()));
  if (abiOf(binaryPath()) === abi && loadsUnderNode()) return remember(tag);
  const was = abiOf(binaryPath());
  const built = was === null ? 'a missing or broken build' : `NODE_MODULE_VERSION ${was}`;
  if (restore(tag, abi) && loadsUnderNode()) return say(`restored the Node build of ${MODULE} (the one in place was ${built})`);
  say(`${MODULE} does not load under Node ${process.version} (${built}): rebuilding it (npm rebuild ${MODULE})`);
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

/** @param {string} version */
async function buildForElectron(version) {
  if (canUseElectronRebuild(process.versions.node)) {
    const { rebuild } = await import('@electron/rebuild');
    await rebuild({ buildPath: root, electronVersion: version, onlyModules: [MODULE], force: true });
    return;
  }
  // @electron/rebuild 4 needs Node ≥ 22.12: npm's rebuild does the same with Electron's runtime and headers.
  execFileSync('npm', ['rebuild', MODULE], {
    cwd: root,
    stdio: 'inherit',
    shell: process.platform === 'win32',
    env: {
      ...process.env,
      npm_config_runtime: 'electron',
      npm_config_target: version,
      npm_config_disturl: 'https://electronjs.org/headers',
    },
  });
}

/** @param {{ needBinary?: boolean }} [options] needBinary: false when packaging (electron-builder brings its own Electron) */
async function forElectron({ needBinary = true } = {}) {
  if (needBinary && !electronBinary()) {
    fail(
      'Electron is not installed: its binary was not downloaded (ELECTRON_SKIP_BINARY_DOWNLOAD, or no internet at install time). ' +
        'Install it where the download works (`npm rebuild electron` or `npm install`), or run the same UI in a browser with `npm run serve`.',
    );
  }
  const electronDir = path.dirname(require.resolve('electron/package.json'));
  const { version } = JSON.parse(readFileSync(path.join(electronDir, 'package.json'), 'utf8'));
  const abi = Number(readFileSync(path.join(electronDir, 'abi_version'), 'utf8').trim());
  const tag = `electron-${abi}`;
  dropLegacyMarker();
  removeOldCopies(path.dirname(binaryPath()));
  if (abiOf(binaryPath()) === abi) return;
  // Keep the Node build, so the next `npm test` gets it back without compiling.
  if (abiOf(binaryPath()) === Number(process.versions.modules)) remember(`node-${process.versions.modules}`);
  if (restore(tag, abi)) return say(`restored the Electron ${version} build of ${MODULE}`);
  say(`building ${MODULE} for Electron ${version}`);
  try {
    await buildForElectron(version);
  } catch (err) {
    fail(`could not build ${MODULE} for Electron ${version}: ${/** @type {Error} */ (err).message}`);
  }
  const built = abiOf(binaryPath());
  if (built !== abi) fail(`the build of ${MODULE} is for NODE_MODULE_VERSION ${built}, not Electron ${version}'s ${abi}`);
  remember(tag);
}

const ARCHS = ['ia32', 'x64', 'armv7l', 'arm64', 'universal']; // builder-util's Arch enum, by value

/**
 * electron-builder's beforePack hook (electron-builder.yml sets npmRebuild: false). better-sqlite3 is the only
 * native module that must be built for Electron — onnxruntime-node and tfjs-node are Node-API — so it is
 * built here, instead of electron-builder rebuilding every native dependency, the optional tfjs-node
 * packages included (a libtensorflow download or a compiler). Built on, and for, this machine's platform.
 * @param {{ electronPlatformName: string, arch: number }} context
 */
export async function beforePack(context) {
  const arch = ARCHS[context.arch] ?? String(context.arch);
  if (context.electronPlatformName !== process.platform || arch !== process.arch) {
    throw new Error(
      `native-abi: better-sqlite3 is built for the machine that packages: package ${context.electronPlatformName}-${arch} on such a machine ` +
        `(this one is ${process.platform}-${process.arch})`,
    );
  }
  try {
    await forElectron({ needBinary: false });
  } catch (err) {
    if (err instanceof Failure) throw new Error(`native-abi: ${err.message}`);
    throw err;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const target = process.argv[2];
  try {
    if (target === 'node') forNode();
    else if (target === 'electron') await forElectron();
    else fail('usage: node scripts/native-abi.mjs node|electron');
  } catch (err) {
    if (!(err instanceof Failure)) throw err;
    console.error(`native-abi: ${err.message}`);
    process.exit(1);
  }
}
