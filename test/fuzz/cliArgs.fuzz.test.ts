import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RunConfigSchema } from '../../src/common/runConfig.js';
import { trainArguments } from '../../src/cli/commands/train.js';
import { RUN_CONFIG_FLAGS } from '../../src/cli/trainFlags.js';
import { okOrOneLineError, runs } from '../support/fuzz.js';

/* `workbench train`'s command line: any argv gives a valid run config or one line. */

const flags = [...Object.keys(RUN_CONFIG_FLAGS), 'out', 'checkpoint-dir', 'json', 'config', 'bogus'].map((f) => `--${f}`);
const values = fc.oneof(
  fc.constantFrom(
    '1',
    '0',
    '-1',
    '5e-5',
    '1e400',
    'NaN',
    '0x1f',
    '',
    ' ',
    'off',
    'tab',
    'random',
    'pretrained',
    'custom:2,64,4',
    'custom:1,2',
    'gpt2-xl',
  ),
  fc.constantFrom(
    'last-2',
    'lora:4,8',
    'lora:0,1',
    'head+norm',
    'mean',
    '0.7,0.1,0.2',
    '1,0,0',
    '2,1',
    'longest',
    'context',
    '3,0.01',
    '/nonexistent/run.json',
  ),
  fc.string({ maxLength: 12 }),
);
const argv = fc.array(
  fc.oneof(
    fc.constantFrom(...flags),
    values,
    fc.constantFrom(...flags).chain((f) => values.map((v) => `${f}=${v}`)),
  ),
  { maxLength: 8 },
);

describe('fuzzing the train command line', () => {
  it('parses to a run config the schema accepts, or fails with one line', async () => {
    await fc.assert(
      fc.asyncProperty(argv, async (args) => {
        const parsed = await okOrOneLineError(() => trainArguments(args), true);
        if (parsed) expect(RunConfigSchema.safeParse(parsed.config).success).toBe(true);
      }),
      { numRuns: runs(3000) },
    );
  });
});
