import { RunConfigSchema } from '../../src/common/runConfig.js';
import { forwardBatchSize } from '../../src/core/data/examples.js';
import { initBackend } from '../../src/core/model/backend.js';
import { fillPrefixCache } from '../../src/core/train/prefixCache.js';
import { runKeyParts, storeEntry } from '../../src/core/train/prefixStore.js';
import { buildClassifier, modelShape, prepareData, prefixStoreUse } from '../../src/core/train/run.js';
import { rowsDigest, type FillerMessage } from './prefixRows.js';

/*
 * A process that fills a prefix-store entry (run by tsChild.mjs with the store's folder and a run config):
 * it computes the run's prefix, says `ready` with the entry's key, and on "go" writes the entry and says so.
 * Two of them told "go" together write the same entry at the same moment.
 */

const [storeDir, configJson] = process.argv.slice(3);
await initBackend('wasm');
const config = RunConfigSchema.parse(JSON.parse(configJson));
const data = await prepareData(config, modelShape(config).nPositions);
const { model, base, weightsFile } = await buildClassifier(config, data.dataset.labels.length);
const use = prefixStoreUse({ dir: storeDir, capBytes: 2 ** 30, log: () => {} }, config, data.dataset, base, weightsFile);
const cache = (await fillPrefixCache(model, config, data, {}))!;
const examples = [...data.examples.train, ...data.examples.val, ...data.examples.test];
const entry = storeEntry(use, await runKeyParts(use, model.gpt.config, examples), cache, examples, forwardBatchSize(config.batchSize));
const rows = cache.rowsOf(examples);
const said: FillerMessage = { key: entry.key, rowCounts: examples.map((e) => cache.rowLength(e)), digest: rowsDigest(rows) };
process.send!(said);
process.once('message', async () => {
  await entry.write(rows);
  process.send!({ ...said, written: true }, () => process.exit(0));
});
