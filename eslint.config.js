import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';
import vueParser from 'vue-eslint-parser';
import layering from './eslint/layering.js';

const nodeBuiltins = builtinModules.filter((name) => !name.startsWith('_'));

const noNode = {
  paths: nodeBuiltins.map((name) => ({
    name,
    message: 'renderer and common also run in the browser: no Node built-ins here; reach the machine through WorkbenchApi.',
  })),
  patterns: [
    {
      group: ['node:*'],
      message: 'renderer and common also run in the browser: no Node built-ins here; reach the machine through WorkbenchApi.',
    },
  ],
};
const noElectron = (where) => ({
  name: 'electron',
  message: `Only src/main and src/preload may import electron; ${where} must run without it.`,
});

export default tseslint.config(
  // assembly/ is AssemblyScript (decorators on functions, wasm types), compiled by scripts/build-wasm.mjs, not TypeScript.
  { ignores: ['out/**', 'dist/**', 'node_modules/**', '.scratch/**', 'assembly/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    files: ['**/*.vue'],
    languageOptions: { parser: vueParser, parserOptions: { parser: tseslint.parser, sourceType: 'module' } },
  },
  {
    files: ['src/**/*.{ts,vue}'],
    plugins: { local: { rules: { layering } } },
    rules: { 'local/layering': 'error' },
  },
  {
    files: ['src/renderer/**/*.{ts,vue}', 'src/common/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [...noNode.paths, noElectron('renderer and common')], patterns: noNode.patterns }],
    },
  },
  {
    files: ['src/{core,service,worker,cli}/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [noElectron('core, service, worker and cli (plain Node)')] }] },
  },
);
