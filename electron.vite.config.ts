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
    build: { rollupOptions: { input: { index: 'src/main/index.ts' } } },
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
