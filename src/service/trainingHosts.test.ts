import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/support/tempDir.js';
import { openDatabase } from './database.js';
import { RunStore } from './runStore.js';
import {
  DEFAULT_LISTEN,
  maskRedisUrl,
  parseRedisUrl,
  redisOverride,
  TrainingHostsSettings,
  type TrainingHostsConfig,
} from './trainingHosts.js';

const dir = tempDir('wb-training-hosts-');
let n = 0;
const store = () => new RunStore(openDatabase(path.join(dir, `db-${++n}.sqlite`)));

describe('Redis URLs', () => {
  it('takes redis:// and rediss:// with a user, a password, a port and a database number', () => {
    expect(parseRedisUrl('redis://127.0.0.1:6379', 'x')).toBe('redis://127.0.0.1:6379');
    expect(parseRedisUrl(' rediss://worker:p%40ss@redis.example.org:6380/2 ', 'x')).toBe('rediss://worker:p%40ss@redis.example.org:6380/2');
  });

  it('refuses anything else in one line naming where it came from, without the password', () => {
    expect(() => parseRedisUrl('http://u:hunter2@host', '--redis')).toThrow(
      '--redis: "http://u:****@host/" is not a Redis URL (redis://[user:password@]host[:port][/db], or rediss:// for TLS)',
    );
    expect(() => parseRedisUrl('localhost:6379', '--redis')).toThrow(/"localhost:6379" is not a Redis URL/);
    expect(() => parseRedisUrl('redis://u:hunter2@', 'Redis URL')).toThrow(/^Redis URL: .*(names no host|is not a Redis URL)/);
    expect(() => parseRedisUrl('redis://u:hunter2@', 'Redis URL')).not.toThrow(/hunter2/);
    expect(() => parseRedisUrl('redis://host/queue', 'x')).toThrow(/the path is a database number, not "\/queue"/);
  });

  it('masks the password, and only the password', () => {
    expect(maskRedisUrl('rediss://worker:s3cret@h:6380/1')).toBe('rediss://worker:****@h:6380/1');
    expect(maskRedisUrl('redis://h:6379')).toBe('redis://h:6379');
  });
});

describe('the URL given at start', () => {
  it('is --redis before WORKBENCH_REDIS_URL, and none without either', () => {
    const env = { WORKBENCH_REDIS_URL: 'redis://env-host:6379' };
    expect(redisOverride('redis://flag-host', true, env)).toEqual({ redisUrl: 'redis://flag-host', source: 'flag', trainHere: true });
    expect(redisOverride(undefined, false, env)).toEqual({ redisUrl: 'redis://env-host:6379', source: 'environment', trainHere: false });
    expect(redisOverride(undefined, false, {})).toBeNull();
  });

  it('refuses a bad WORKBENCH_REDIS_URL by name, and --train-here without a URL', () => {
    expect(() => redisOverride(undefined, false, { WORKBENCH_REDIS_URL: 'nope' })).toThrow(
      /^WORKBENCH_REDIS_URL: "nope" is not a Redis URL/,
    );
    expect(() => redisOverride(undefined, true, {})).toThrow(/--train-here needs a Redis URL/);
  });
});

describe('the Training hosts setting', () => {
  it('trains everything here until a URL is saved; then hosts only, unless "train here" is ticked', () => {
    const settings = new TrainingHostsSettings(store(), null);
    expect(settings.config()).toEqual({ redisUrl: null, trainHere: true });
    expect(settings.view()).toEqual({ redisUrl: null, trainHere: true, source: null, available: true });
    settings.save({ redisUrl: 'redis://h:6379', trainHere: false });
    expect(settings.config()).toEqual({ redisUrl: 'redis://h:6379', trainHere: false });
    settings.save({ redisUrl: 'redis://h:6379', trainHere: true });
    expect(settings.config()).toEqual({ redisUrl: 'redis://h:6379', trainHere: true });
  });

  it('is saved in the database, shown with the password masked, and keeps the password when the masked URL is saved back', () => {
    const runs = store();
    const first = new TrainingHostsSettings(runs, null);
    expect(first.save({ redisUrl: 'rediss://worker:s3cret@h:6380', trainHere: false })).toEqual({
      redisUrl: 'rediss://worker:****@h:6380',
      trainHere: false,
      source: 'settings',
      available: true,
    });
    const again = new TrainingHostsSettings(runs, null);
    again.save({ redisUrl: 'rediss://worker:****@other:6380', trainHere: true });
    expect(again.config()).toEqual({ redisUrl: 'rediss://worker:s3cret@other:6380', trainHere: true });
    again.save({ redisUrl: 'rediss://worker:new@other:6380', trainHere: true });
    expect(again.config().redisUrl).toBe('rediss://worker:new@other:6380');
  });

  it('tells the coordinator of each save', () => {
    const settings = new TrainingHostsSettings(store(), null);
    const heard: TrainingHostsConfig[] = [];
    const off = settings.onChange((c) => heard.push(c));
    settings.save({ redisUrl: 'redis://h', trainHere: false });
    settings.save({ redisUrl: null, trainHere: false });
    off();
    settings.save({ redisUrl: 'redis://other', trainHere: false });
    expect(heard).toEqual([
      { redisUrl: 'redis://h', trainHere: false },
      { redisUrl: null, trainHere: true },
    ]);
  });

  it('without anything hosts can reach (queue run, the other CLI commands), trains every run here whatever URL is saved', () => {
    const runs = store();
    new TrainingHostsSettings(runs, null).save({ redisUrl: 'redis://:pw@saved', trainHere: false });
    const cli = new TrainingHostsSettings(runs, null, 'none');
    expect(cli.available).toBe(false);
    expect(cli.config()).toEqual({ redisUrl: null, trainHere: true });
    // serve, on the same folder, does take hosts.
    expect(new TrainingHostsSettings(runs, null, 'server').config()).toEqual({ redisUrl: 'redis://:pw@saved', trainHere: false });
  });

  it('in the desktop app, sends nothing to hosts until its own listener is up, and shows the listener', () => {
    const runs = store();
    new TrainingHostsSettings(runs, null).save({ redisUrl: 'redis://:pw@saved', trainHere: false });
    const app = new TrainingHostsSettings(runs, null, 'own');
    const heard: TrainingHostsConfig[] = [];
    app.onChange((c) => heard.push(c));
    expect(app.config()).toEqual({ redisUrl: null, trainHere: true });
    expect(app.wanted()).toEqual({ redisUrl: 'redis://:pw@saved', trainHere: false, listen: DEFAULT_LISTEN });
    expect(app.view()).toEqual({
      redisUrl: 'redis://:****@saved',
      trainHere: false,
      source: 'settings',
      available: false,
      listener: { host: '127.0.0.1', port: null, origin: null, token: null, error: null, warning: null },
    });
    const up = { origin: 'http://127.0.0.1:9000', token: 't'.repeat(32), error: null, warning: null };
    app.listenerChanged(up);
    expect(app.config()).toEqual({ redisUrl: 'redis://:pw@saved', trainHere: false });
    expect(app.view().listener).toEqual({ host: '127.0.0.1', port: null, ...up });
    app.listenerChanged({ origin: null, token: null, error: 'port 9000 is in use', warning: null });
    expect(app.config().redisUrl).toBeNull();
    expect(heard.map((c) => c.redisUrl)).toEqual(['redis://:pw@saved', null]);
  });

  it('in the desktop app, WORKBENCH_REDIS_URL outranks the saved URL and goes to hosts once its listener is up', () => {
    const runs = store();
    new TrainingHostsSettings(runs, null).save({ redisUrl: 'redis://saved', trainHere: true });
    const override = redisOverride(undefined, false, { WORKBENCH_REDIS_URL: 'redis://:pw@env:6379' });
    const app = new TrainingHostsSettings(runs, override, 'own');
    expect(app.wanted()).toMatchObject({ redisUrl: 'redis://:pw@env:6379', trainHere: false });
    expect(app.config().redisUrl).toBeNull();
    app.listenerChanged({ origin: 'http://127.0.0.1:9000', token: 't', error: null, warning: null });
    expect(app.config()).toEqual({ redisUrl: 'redis://:pw@env:6379', trainHere: false });
    expect(app.view().source).toBe('environment');
  });

  it('saves the desktop app’s listening address with the URL, and keeps it when a save leaves it out', () => {
    const runs = store();
    const app = new TrainingHostsSettings(runs, null, 'own');
    app.save({ redisUrl: 'redis://h', trainHere: true, listen: { host: '0.0.0.0', port: 9000 } });
    app.save({ redisUrl: 'redis://other', trainHere: true });
    expect(new TrainingHostsSettings(runs, null, 'own').wanted().listen).toEqual({ host: '0.0.0.0', port: 9000 });
  });

  it('refuses an address from serve’s page: serve listens where its flags say', () => {
    expect(() =>
      new TrainingHostsSettings(store(), null).save({ redisUrl: 'redis://h', trainHere: false, listen: DEFAULT_LISTEN }),
    ).toThrow(/`workbench serve` takes hosts where it listens \(--host, --port\)/);
  });

  it('follows --redis over the saved setting, and refuses to save while it does', () => {
    const runs = store();
    new TrainingHostsSettings(runs, null).save({ redisUrl: 'redis://saved', trainHere: true });
    const settings = new TrainingHostsSettings(runs, { redisUrl: 'redis://:pw@flag:6379', source: 'flag', trainHere: false });
    expect(settings.config()).toEqual({ redisUrl: 'redis://:pw@flag:6379', trainHere: false });
    expect(settings.view()).toEqual({ redisUrl: 'redis://:****@flag:6379', trainHere: false, source: 'flag', available: true });
    expect(() => settings.save({ redisUrl: null, trainHere: false })).toThrow(/set by `serve --redis` for as long as this workbench runs/);
    expect(new TrainingHostsSettings(runs, null).config().redisUrl).toBe('redis://saved');
  });
});
