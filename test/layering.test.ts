// The layering of DESIGN.md is enforced by lint: these snippets, linted as if they lived at the given
// paths with the project's own eslint.config.js, must fail (or pass) for the stated reason.
import { ESLint } from 'eslint';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const repoRoot = join(import.meta.dirname, '..');
const eslint = new ESLint({ cwd: repoRoot });

/** The messages of the layering and import rules for `code` placed at `file` (relative to the repo). */
async function importErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(repoRoot, file) });
  return result.messages
    .filter((m) => m.ruleId === 'local/layering' || m.ruleId === 'no-restricted-imports' || m.fatal)
    .map((m) => `${m.ruleId ?? 'fatal'}: ${m.message}`);
}

describe('layering between the folders of src/', () => {
  it('rejects core importing service (upwards)', async () => {
    const errors = await importErrors(
      'src/core/train/fake.ts',
      "import { openStore } from '../../service/store.js';\nexport const s = openStore;\n",
    );
    expect(errors).toEqual([
      expect.stringMatching(
        /^local\/layering: core may not import service \('\.\.\/\.\.\/service\/store\.js'\): core may import only common/,
      ),
    ]);
  });

  it('rejects common importing core, even for a type', async () => {
    const errors = await importErrors('src/common/fake.ts', "export type T = import('../core/errors.js').WorkbenchError;\n");
    expect(errors).toEqual([expect.stringMatching(/^local\/layering: common may not import core .*only nothing outside itself/)]);
  });

  it('rejects main importing core, and re-exports count too', async () => {
    const errors = await importErrors('src/main/fake.ts', "export { WorkbenchError } from '../core/errors.js';\n");
    expect(errors).toEqual([expect.stringMatching(/^local\/layering: main may not import core .*only service, common/)]);
  });

  it('rejects a renderer view importing node:fs, fs/promises or core', async () => {
    const errors = await importErrors(
      'src/renderer/views/Fake.vue',
      [
        '<script setup lang="ts">',
        "import { readFileSync } from 'node:fs';",
        "import { readFile } from 'fs/promises';",
        "import { tokenize } from '../../core/data/tokenizer.js';",
        'console.log(readFileSync, readFile, tokenize);',
        '</script>',
        '<template><p>x</p></template>',
        '',
      ].join('\n'),
    );
    expect(errors).toEqual([
      expect.stringMatching(/^no-restricted-imports: 'node:fs' import is restricted .*no Node built-ins here/),
      expect.stringMatching(/^no-restricted-imports: 'fs\/promises' import is restricted .*no Node built-ins here/),
      expect.stringMatching(/^local\/layering: renderer may not import core/),
    ]);
  });

  it('rejects electron outside main and preload', async () => {
    for (const file of ['src/core/fake.ts', 'src/worker/fake.ts', 'src/renderer/fake.ts']) {
      const errors = await importErrors(file, "import { app } from 'electron';\nexport const a = app;\n");
      expect(errors, file).toEqual([
        expect.stringMatching(/^no-restricted-imports: 'electron' import is restricted .*Only src\/main and src\/preload/),
      ]);
    }
  });

  it('rejects a file in a folder that is not a layer, and imports into it', async () => {
    expect(await importErrors('src/plugins/fake.ts', 'export const x = 1;\n')).toEqual([
      expect.stringMatching(/^local\/layering: src\/plugins is not a layer/),
    ]);
    expect(await importErrors('src/core/fake.ts', "export { x } from '../plugins/fake.js';\n")).toEqual([
      expect.stringMatching(/^local\/layering: '\.\.\/plugins\/fake\.js' points into src\/plugins, which is not a layer/),
    ]);
  });

  it('rejects test helpers in shipped code', async () => {
    const errors = await importErrors('src/core/fake.ts', "export { tempDir } from '../../test/support/tempDir.js';\n");
    expect(errors).toEqual([expect.stringMatching(/^local\/layering: only tests may import test helpers/)]);
  });

  it('accepts imports down the table', async () => {
    const ok: [string, string][] = [
      [
        'src/service/fake.ts',
        "export { WorkbenchError } from '../core/errors.js';\nexport type { RunConfig } from '../common/runConfig.js';\n",
      ],
      ['src/worker/fake.ts', "export { trainClassifier } from '../core/train/loop.js';\n"],
      ['src/main/fake.ts', "import { app } from 'electron';\nexport { openStore } from '../service/store.js';\nexport const a = app;\n"],
      [
        'src/cli/fake.ts',
        "import { readFile } from 'node:fs/promises';\nexport { openStore } from '../service/store.js';\nexport const r = readFile;\n",
      ],
      ['src/renderer/fake.ts', "export type { WorkbenchClient } from '../common/api.js';\n"],
    ];
    for (const [file, code] of ok) expect(await importErrors(file, code), file).toEqual([]);
  });
});

describe('layering inside core', () => {
  it('rejects model importing train', async () => {
    const errors = await importErrors('src/core/model/fake.ts', "export { AdamW } from '../train/adamw.js';\n");
    expect(errors).toEqual([
      expect.stringMatching(/^local\/layering: core\/model may not import core\/train \('\.\.\/train\/adamw\.js'\)/),
    ]);
  });

  it('rejects data importing model or train', async () => {
    const errors = await importErrors(
      'src/core/data/fake.ts',
      "export { GPT2_EOS } from './tokenizer.js';\nexport { idsTensor } from '../model/ops.js';\nexport { AdamW } from '../train/adamw.js';\n",
    );
    expect(errors).toEqual([
      expect.stringMatching(/^local\/layering: core\/data may not import core\/model .*data may not import model or train/),
      expect.stringMatching(/^local\/layering: core\/data may not import core\/train/),
    ]);
  });

  it('accepts train importing model and data, and tests crossing sub-layers', async () => {
    expect(
      await importErrors(
        'src/core/train/fake.ts',
        "export { idsTensor } from '../model/ops.js';\nexport { batches } from '../data/examples.js';\n",
      ),
    ).toEqual([]);
    expect(await importErrors('src/core/model/fake.test.ts', "export { AdamW } from '../train/adamw.js';\n")).toEqual([]);
  });

  it('still applies the table between folders to tests', async () => {
    const errors = await importErrors('src/core/model/fake.test.ts', "export { openStore } from '../../service/store.js';\n");
    expect(errors).toEqual([expect.stringMatching(/^local\/layering: core may not import service/)]);
  });
});
