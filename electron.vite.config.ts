import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'electron-vite';
import type { Plugin } from 'vite';
import { contentSecurityPolicy } from './src/common/csp.js';

// Writes the CSP into index.html as the first <head> element, from the same source as the
// header main sets: the meta tag also covers file:// pages, which get no response headers.
function cspMetaTag(): Plugin {
  let dev = false;
  return {
    name: 'workbench:csp-meta',
    configResolved(config) {
      dev = config.command === 'serve';
    },
    transformIndexHtml() {
      return [
        {
          tag: 'meta',
          attrs: { 'http-equiv': 'Content-Security-Policy', content: contentSecurityPolicy(dev) },
          injectTo: 'head-prepend',
        },
      ];
    },
  };
}

export default defineConfig({
  main: {
    build: {
      // tfjs-core's gradients exist only in its unbundled ES-module build, whose extensionless imports
      // plain Node cannot resolve (the CLI adds a resolve hook for them); bundled, they need none.
      externalizeDeps: { exclude: ['@tensorflow/tfjs-core'] },
      // The training process is a second entry, out/main/worker.js, started by utilityProcess.fork;
      // its training threads (WORKBENCH_TRAIN_THREADS) run a third, out/main/trainThread.js.
      rollupOptions: {
        // The service reads data files on a thread of its own, out/main/datasetThread.js.
        input: {
          index: 'src/main/index.ts',
          worker: 'src/worker/main.ts',
          trainThread: 'src/core/train/parallel/trainThread.ts',
          datasetThread: 'src/service/datasetThread.ts',
        },
        // Optional native backends: loaded at run time when installed (electron-vite externalizes only `dependencies`).
        external: ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'],
      },
    },
  },
  preload: {
    build: {
      // A sandboxed preload is evaluated as one classic script: no ESM, and `require` knows only
      // 'electron' and a few Node built-ins, so the preload is one CommonJS file with its
      // dependencies bundled in.
      externalizeDeps: false,
      rollupOptions: {
        input: { index: 'src/preload/index.ts' },
        output: { format: 'cjs', entryFileNames: '[name].cjs', inlineDynamicImports: true },
      },
    },
  },
  renderer: {
    root: 'src/renderer',
    build: { rollupOptions: { input: { index: 'src/renderer/index.html' } } },
    plugins: [vue(), cspMetaTag()],
  },
});
