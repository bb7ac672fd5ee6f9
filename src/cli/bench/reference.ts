import { execFile } from 'node:child_process';
import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { z } from 'zod';
import { describeCause } from '../../core/errorReasons.js';
import { WorkbenchError } from '../../core/errors.js';

/*
 * The PyTorch reference (../shared/bench/pytorch_reference.py) run beside the bench, so targets relative to it
 * compare figures taken on the same machine in the same minutes.
 */

export const REFERENCE_SCRIPT = path.resolve('../shared/bench/pytorch_reference.py');
const PYTHON = '/usr/bin/python3';

export interface ReferenceFigures {
  reference: string;
  threads: number;
  openblasCoreType: string | null;
  trainStepSeconds: number;
  forwardSeconds: number;
  /** The book's recipe projected by the script from its step and forward: 650 steps and 367 forwards. */
  recipeSeconds: number;
}

/** Checked before the bench's minutes of measurements, not after them. */
export async function checkReference(): Promise<void> {
  for (const file of [PYTHON, REFERENCE_SCRIPT])
    await access(file).catch((err: unknown) => {
      throw new WorkbenchError(`bench: --reference needs ${file}: ${describeCause(err)}`, { cause: err });
    });
}

/**
 * The script's header: OpenBLAS falls back to a generic kernel on CPUs it does not recognise, so name the core
 * type (SkylakeX on AVX-512, Haswell on AVX2) unless the environment already does.
 */
async function openblasCoreType(): Promise<string | null> {
  if (process.env.OPENBLAS_CORETYPE) return process.env.OPENBLAS_CORETYPE;
  const flags = await readFile('/proc/cpuinfo', 'utf8').catch(() => '');
  if (/\bavx512f\b/.test(flags)) return 'SkylakeX';
  if (/\bavx2\b/.test(flags)) return 'Haswell';
  return null;
}

const ReferenceLine = z.object({ reference: z.string(), train_step_s: z.number(), forward_s: z.number(), recipe_s: z.number() });

/** The script's last stdout line, its JSON figures. */
function parseReferenceLine(stdout: string): z.infer<typeof ReferenceLine> {
  const last = stdout.trim().split('\n').at(-1) ?? '';
  try {
    return ReferenceLine.parse(JSON.parse(last));
  } catch (err) {
    throw new WorkbenchError(`bench: the PyTorch reference printed no figures ("${last.slice(0, 200)}"): ${describeCause(err)}`, {
      cause: err,
    });
  }
}

/** The reference on 1 and on 2 threads (the header: try both), the faster of the two. */
export async function runReference(note: (text: string) => void): Promise<ReferenceFigures> {
  const coreType = await openblasCoreType();
  const env = coreType ? { ...process.env, OPENBLAS_CORETYPE: coreType } : process.env;
  const runs: ReferenceFigures[] = [];
  for (const threads of [1, 2]) {
    note(`reference: ${PYTHON} ${REFERENCE_SCRIPT} ${threads}${coreType ? ` (OPENBLAS_CORETYPE=${coreType})` : ''}`);
    const { stdout } = await promisify(execFile)(PYTHON, [REFERENCE_SCRIPT, String(threads)], { env }).catch((err: unknown) => {
      throw new WorkbenchError(`bench: the PyTorch reference failed: ${describeCause(err)}`, { cause: err });
    });
    const line = parseReferenceLine(stdout);
    runs.push({
      reference: line.reference,
      threads,
      openblasCoreType: coreType,
      trainStepSeconds: line.train_step_s,
      forwardSeconds: line.forward_s,
      recipeSeconds: line.recipe_s,
    });
  }
  return runs.reduce((a, b) => (b.recipeSeconds < a.recipeSeconds ? b : a));
}
