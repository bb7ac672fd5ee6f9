// Which folder of src/ may import which: the layering of DESIGN.md ("Layers"), checked on every lint run
// the way VS Code's `local/code-layering` rule does. Lower layers never import higher ones.
import path from 'node:path';

/** Top-level folders of src/ and the folders each may import (besides itself). */
export const layers = {
  common: [],
  core: ['common'],
  service: ['core', 'common'],
  worker: ['core', 'common'],
  main: ['service', 'common'],
  preload: ['common'],
  renderer: ['common'],
  cli: ['service', 'core', 'common'],
};

/** Inside core: the sub-folders each sub-folder may not import (training sits on the model, the model on data). */
export const coreForbidden = {
  data: ['model', 'train'],
  model: ['train'],
};

const repoRoot = path.resolve(import.meta.dirname, '..');
const TABLE = 'the table in eslint/layering.js';

const isTestFile = (relPath) => /\.test\.ts$/.test(relPath) || relPath.startsWith('test/');

/** 'src/core/model/gpt2.ts' → { layer: 'core', sub: 'model' }; null outside src/. */
function placeOf(relPath) {
  const parts = relPath.split('/');
  if (parts[0] !== 'src') return null;
  const layer = parts.length > 2 ? parts[1] : '';
  return { layer, sub: layer === 'core' && parts.length > 3 ? parts[2] : undefined };
}

const folderName = (layer) => (layer ? `src/${layer}` : 'the top of src/');

function allowedList(layer) {
  return layers[layer].length ? layers[layer].join(', ') : 'nothing outside itself';
}

/** Why `from` may not import `to`, or undefined when it may. */
function violation(from, to, specifier, test) {
  if (!Object.hasOwn(layers, to.layer)) {
    return `'${specifier}' points into ${folderName(to.layer)}, which is not a layer: add it to ${TABLE} first.`;
  }
  if (from.layer !== to.layer) {
    if (layers[from.layer].includes(to.layer)) return undefined;
    return (
      `${from.layer} may not import ${to.layer} ('${specifier}'): ${from.layer} may import only ${allowedList(from.layer)} ` +
      `(${TABLE}). Move what both need down into a layer both may import.`
    );
  }
  if (from.layer !== 'core' || test) return undefined;
  if (coreForbidden[from.sub]?.includes(to.sub)) {
    return (
      `core/${from.sub} may not import core/${to.sub} ('${specifier}'): inside core, ${from.sub} may not import ` +
      `${coreForbidden[from.sub].join(' or ')} (${TABLE}). Move what both need down into core/${from.sub} or core itself.`
    );
  }
  return undefined;
}

/** @type {import('eslint').Rule.RuleModule} */
export default {
  meta: {
    type: 'problem',
    docs: { description: 'Enforce the import table between the folders of src/ (DESIGN.md "Layers").' },
    schema: [],
    messages: { layering: '{{reason}}' },
  },
  create(context) {
    const fromRel = path.relative(repoRoot, context.filename).split(path.sep).join('/');
    const from = placeOf(fromRel);
    if (!from) return {};
    const test = isTestFile(fromRel);

    function check(node, specifier) {
      if (typeof specifier !== 'string' || !specifier.startsWith('.')) return;
      const targetRel = path
        .relative(repoRoot, path.resolve(path.dirname(context.filename), specifier))
        .split(path.sep)
        .join('/');
      let reason;
      if (targetRel.startsWith('test/')) {
        if (!test) reason = `only tests may import test helpers ('${specifier}').`;
      } else {
        const to = placeOf(targetRel);
        if (to) reason = violation(from, to, specifier, test);
      }
      if (reason) context.report({ node, messageId: 'layering', data: { reason } });
    }

    const source = (node) => check(node.source, node.source?.value);
    return {
      Program(node) {
        if (!Object.hasOwn(layers, from.layer)) {
          const where = folderName(from.layer);
          const reason = `${where} is not a layer: put this file in one of ${Object.keys(layers).join(', ')}, or add the folder to ${TABLE}.`;
          context.report({ node, loc: { line: 1, column: 0 }, messageId: 'layering', data: { reason } });
        }
      },
      ImportDeclaration: source,
      ExportNamedDeclaration: source,
      ExportAllDeclaration: source,
      ImportExpression(node) {
        if (node.source.type === 'Literal') check(node.source, node.source.value);
      },
      TSImportType(node) {
        // typescript-eslint 8 renamed `argument` to `source` (reading `argument` warns).
        const arg = node.source ?? node.argument;
        const literal = arg?.type === 'TSLiteralType' ? arg.literal : arg;
        if (literal?.type === 'Literal') check(literal, literal.value);
      },
    };
  },
};
