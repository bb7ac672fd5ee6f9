import { parseArgs } from 'node:util';
import { WorkbenchError } from '../../core/errors.js';
import { initBackend } from '../../core/model/backend.js';
import { classifierRunner } from '../../core/model/classifierRunner.js';
import { loadClassifier } from '../../core/model/savedClassifier.js';
import { printJson, type Command } from '../command.js';
import { initInferenceReported } from '../inference.js';

export const classifyCommand: Command = {
  name: 'classify',
  summary: 'classify a message with a saved classifier',
  usage: 'workbench classify --model DIR "text" [--json]',
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { model: { type: 'string' }, json: { type: 'boolean' } },
    });
    if (!values.model) throw new WorkbenchError('classify: --model DIR is required');
    if (positionals.length !== 1) throw new WorkbenchError('classify: give exactly one text to classify (quote it)');
    const backend = await initBackend();
    const inference = await initInferenceReported('classify');
    const runner = await classifierRunner(await loadClassifier(values.model), inference);
    const [prediction] = await runner.classify(positionals);
    runner.dispose();
    if (values.json) printJson({ ...prediction, backend, inference });
    else {
      const p = prediction.probabilities[prediction.label];
      process.stdout.write(`${prediction.label} (${(p * 100).toFixed(1)}%)\n`);
    }
    return 0;
  },
};
