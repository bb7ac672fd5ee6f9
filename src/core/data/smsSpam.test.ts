import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { zipSync } from 'fflate';
import { afterEach, describe, expect, it } from 'vitest';
import { closeAllServers, startServer, type TestServer } from '../../../test/support/httpServer.js';
import { SMS_SPAM_COLLECTION, sharedPath } from '../../../test/support/shared.js';
import { tempDir } from '../../../test/support/tempDir.js';
import { ensureSmsSpam, loadSmsSpam, smsSpamPath } from './smsSpam.js';

const collection = new Uint8Array(readFileSync(sharedPath(SMS_SPAM_COLLECTION)));
const bodies: Record<string, Uint8Array> = {
  // The layout of UCI's zip: the data file and its readme at the top level.
  '/sms.zip': zipSync({ SMSSpamCollection: collection, readme: new TextEncoder().encode('readme') }),
  '/no-collection.zip': zipSync({ readme: new TextEncoder().encode('readme') }),
  '/other-collection.zip': zipSync({ SMSSpamCollection: new TextEncoder().encode('ham\thello\n') }),
  '/not-a-zip.zip': new TextEncoder().encode('<html>gone</html>'),
};
/** A zip bomb: 32 MiB of zeros that the zip's headers declare as the 477,907 bytes of the real file. */
function lyingZip(): Uint8Array {
  const zip = zipSync({ SMSSpamCollection: new Uint8Array(32 * 2 ** 20) });
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  view.setUint32(22, collection.byteLength, true); // the local header's uncompressed size
  for (let at = 0; at + 4 <= zip.length; at++) {
    if (view.getUint32(at, true) === 0x02014b50) view.setUint32(at + 24, collection.byteLength, true); // the central directory's
  }
  return zip;
}
bodies['/bomb.zip'] = lyingZip();

const requests: string[] = [];
const root = tempDir('sms-spam-test-');

function cacheDir(): string {
  return mkdtempSync(path.join(root, 'cache-'));
}

/** A server serving `bodies`; anything else is 404. */
function serve(): Promise<TestServer> {
  return startServer((req, res) => {
    requests.push(req.url ?? '');
    if (req.url === '/huge.zip') {
      res.writeHead(200, { 'Content-Length': 100 * 2 ** 20 }).write(new Uint8Array(1024)); // announces 100 MiB, never ends
      return;
    }
    const body = bodies[req.url ?? ''];
    res.writeHead(body ? 200 : 404, { 'Content-Length': body?.byteLength ?? 0 }).end(body);
  });
}
afterEach(closeAllServers);

describe('the built-in sms-spam data set', () => {
  it('downloads the zip, falls back to the backup URL, caches the file, and then needs no server', async () => {
    const dir = cacheDir();
    const server = await serve();
    const urls = [`${server.url}/missing.zip`, `${server.url}/sms.zip`];
    requests.length = 0;
    const dataset = await loadSmsSpam({ cacheDir: dir, urls });
    expect(requests).toEqual(['/missing.zip', '/sms.zip']);
    expect(dataset.rows).toHaveLength(5574);
    expect(dataset.labels).toEqual(['ham', 'spam']);
    expect(dataset.rows.filter((r) => r.label === 'spam')).toHaveLength(747);
    expect(readFileSync(smsSpamPath(dir)).equals(collection)).toBe(true); // (toEqual on 478 kB takes seconds)
    expect(existsSync(path.join(dir, 'datasets', 'sms-spam', 'download.zip'))).toBe(false);

    await server.close();
    const again = await loadSmsSpam({ cacheDir: dir, urls });
    expect(again.contentHash).toBe(dataset.contentHash);
    expect(requests).toHaveLength(2);
  });

  it('uses WORKBENCH_CACHE_DIR when no cache folder is given', () => {
    const saved = process.env.WORKBENCH_CACHE_DIR;
    process.env.WORKBENCH_CACHE_DIR = '/tmp/somewhere';
    try {
      expect(smsSpamPath()).toBe('/tmp/somewhere/datasets/sms-spam/SMSSpamCollection');
    } finally {
      if (saved === undefined) delete process.env.WORKBENCH_CACHE_DIR;
      else process.env.WORKBENCH_CACHE_DIR = saved;
    }
  });

  it('says what went wrong with every URL, and where to put the file by hand', async () => {
    const dir = cacheDir();
    const { url } = await serve();
    const urls = ['/missing.zip', '/not-a-zip.zip', '/no-collection.zip', '/other-collection.zip'].map((p) => url + p);
    const attempt = ensureSmsSpam({ cacheDir: dir, urls });
    await expect(attempt).rejects.toThrow(`cannot download ${urls[0]}: HTTP 404 Not Found`);
    await expect(attempt).rejects.toThrow(`${urls[1]} is not a readable zip file`);
    await expect(attempt).rejects.toThrow(`${urls[2]} holds no SMSSpamCollection`);
    await expect(attempt).rejects.toThrow(`${urls[3]} holds a different SMSSpamCollection (sha256 `);
    await expect(attempt).rejects.toThrow(`place it at ${smsSpamPath(dir)}`);
    expect(existsSync(smsSpamPath(dir))).toBe(false);
  });

  it('stops inflating an entry that grows past the size its file can have, whatever the zip declares', async () => {
    const { url } = await serve();
    const memoryBefore = process.memoryUsage().arrayBuffers;
    const message = await ensureSmsSpam({ cacheDir: cacheDir(), urls: [`${url}/bomb.zip`] }).catch((err: Error) => err.message);
    expect(message).toContain(
      `${url}/bomb.zip is not a readable zip file (its entry SMSSpamCollection inflates to more than 1048576 bytes)`,
    );
    expect(process.memoryUsage().arrayBuffers - memoryBefore).toBeLessThan(16 * 2 ** 20); // the 32 MiB were never held
  });

  it('refuses a download larger than the zip can be, before reading it', async () => {
    const { url } = await serve();
    const message = await ensureSmsSpam({ cacheDir: cacheDir(), urls: [`${url}/huge.zip`] }).catch((err: Error) => err.message);
    expect(message).toContain(
      `cannot download ${url}/huge.zip: it is ${100 * 2 ** 20} bytes, more than the ${16 * 2 ** 20} this file can be`,
    );
  });
});
