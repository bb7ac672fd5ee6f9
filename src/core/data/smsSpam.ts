import { createHash } from 'node:crypto';
import { access, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { BuiltinDataset } from '../../common/builtinDatasets.js';
import { writeFileAtomic } from '../atomicWrite.js';
import { downloadFile, type DownloadProgress } from '../download.js';
import { WorkbenchError } from '../errors.js';
import { defaultCacheDir } from '../cacheDir.js';
import { contentHash, importDatasetFile, sortLabels, type Dataset } from './dataset.js';
import { readPandasTsv } from './pandasTsv.js';
import { decodeDataText } from './textDecoding.js';
import { readZipEntry } from './zipEntry.js';

/** The book's download, then its backup copy (DESIGN.md, "Data set"). */
export const SMS_SPAM_URLS: readonly string[] = [
  'https://archive.ics.uci.edu/static/public/228/sms+spam+collection.zip',
  'https://f001.backblazeb2.com/file/LLMs-from-scratch/sms%2Bspam%2Bcollection.zip',
];
export const SMS_SPAM_FILE = 'SMSSpamCollection';
/** sha256 of SMSSpamCollection v.1 (477,907 bytes): every URL must deliver exactly this file. */
export const SMS_SPAM_SHA256 = '7d039a24a6083ed9ef0f806ebad56bbb976e3aeb8de05669173bfdc4996c239d';
/** UCI's zip is 203 KB: a download larger than this is not it, and is stopped there. */
const MAX_ZIP_BYTES = 16 * 2 ** 20;
/** An entry that inflates to more than this cannot be the 477,907-byte file, so inflating stops there. */
const MAX_COLLECTION_BYTES = 2 ** 20;

export interface SmsSpamOptions {
  /** Default: WORKBENCH_CACHE_DIR, else ~/.cache/spam-workbench. */
  cacheDir?: string;
  /** Tried in order until one works (default SMS_SPAM_URLS). */
  urls?: readonly string[];
  onProgress?: (p: DownloadProgress & { url: string }) => void;
  signal?: AbortSignal;
}

export function smsSpamPath(cacheDir = defaultCacheDir()): string {
  return path.join(cacheDir, 'datasets', 'sms-spam', SMS_SPAM_FILE);
}

/** The built-in data set in one of its readings (see common/builtinDatasets.ts): `exact` unless `book` is asked for. */
export async function loadSmsSpam(options: SmsSpamOptions & { reading?: BuiltinDataset['reading'] } = {}): Promise<Dataset> {
  const file = await ensureSmsSpam(options);
  if (options.reading !== 'book')
    return importDatasetFile(file, { delimiter: '\t', header: false, quoting: false, labelColumn: 0, textColumn: 1 });
  const rows = readPandasTsv(decodeDataText(await readFile(file), file), file);
  return {
    rows,
    labels: sortLabels(new Set(rows.map((r) => r.label))),
    contentHash: contentHash(rows),
    excluded: [],
    excludedLines: [],
    warnings: [],
  };
}

/** The cached SMSSpamCollection; downloaded (zip), checked and cached on first use. */
export async function ensureSmsSpam(options: SmsSpamOptions = {}): Promise<string> {
  const file = smsSpamPath(options.cacheDir);
  if (await exists(file)) return file;
  const failures: string[] = [];
  for (const url of options.urls ?? SMS_SPAM_URLS) {
    try {
      await fetchCollection(url, file, options);
      return file;
    } catch (err) {
      if (options.signal?.aborted) throw err;
      failures.push(err instanceof Error ? err.message : String(err));
    }
  }
  throw new WorkbenchError(
    `cannot get the SMS Spam Collection (${failures.join('; ')}); without internet, take ${SMS_SPAM_FILE} from ${SMS_SPAM_URLS[0]} and place it at ${file}`,
  );
}

async function fetchCollection(url: string, file: string, options: SmsSpamOptions): Promise<void> {
  const zip = path.join(path.dirname(file), 'download.zip');
  try {
    const onProgress = options.onProgress && ((p: DownloadProgress) => options.onProgress?.({ ...p, url }));
    await downloadFile({ url, dest: zip, signal: options.signal, onProgress, maxSize: MAX_ZIP_BYTES });
    const bytes = await extractCollection(zip, url);
    await writeFileAtomic(file, bytes);
  } finally {
    await rm(zip, { force: true });
  }
}

async function extractCollection(zip: string, url: string): Promise<Uint8Array> {
  let bytes: Uint8Array | undefined;
  try {
    bytes = await readZipEntry(zip, (name) => path.posix.basename(name) === SMS_SPAM_FILE, MAX_COLLECTION_BYTES);
  } catch (err) {
    throw new WorkbenchError(`${url} is not a readable zip file (${(err as Error).message})`, { cause: err });
  }
  if (!bytes) throw new WorkbenchError(`${url} holds no ${SMS_SPAM_FILE}`);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (sha256 !== SMS_SPAM_SHA256)
    throw new WorkbenchError(`${url} holds a different ${SMS_SPAM_FILE} (sha256 ${sha256}, expected ${SMS_SPAM_SHA256})`);
  return bytes;
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}
