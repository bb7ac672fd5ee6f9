import { parseArgs } from 'node:util';
import { WorkbenchError } from '../../core/errors.js';
import { initBackend } from '../../core/model/backend.js';
import { loadClassifier } from '../../core/model/savedClassifier.js';
import { classify } from '../../core/model/predict.js';
import { printJson, type Command } from '../command.js';

export const classifyCommand: Command = {
  name: 'classify',
  summary: 'classify a message with a saved classifier',
  usage: 'workbench classify --model DIR "text" [--json]',
  async run(argv) {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { model: { type: 'string' }, json: { type: 'boolean' } } });
    if (!values.model) throw new WorkbenchError('classify: --model DIR is required');
    if (positionals.length !== 1) throw new WorkbenchError('classify: give exactly one text to classify (quote it)');
    const backend = await initBackend();
    const saved = await loadClassifier(values.model);
    const [prediction] = classify(saved, positionals);
    if (values.json) printJson({ ...prediction, backend });
    else {
      const p = prediction.probabilities[prediction.label];
      process.stdout.write(`${prediction.label} (${(p * 100).toFixed(1)}%)\n`);
    }
    return 0;
  },
};
