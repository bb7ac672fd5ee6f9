import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startHttpServer } from '../service/http/server.js';
import { listenDecision, listenerWarning, listenFailure, QUEUE_ELSEWHERE } from './hostListener.js';

const loopback = { host: '127.0.0.1', port: null };

describe('whether the desktop app listens for training hosts', () => {
  it('listens, at the setting’s address, once a Redis URL is given and it trains the data folder', () => {
    expect(listenDecision({ redisUrl: 'redis://h:6379', trainHere: false, listen: loopback }, true)).toEqual({ listen: loopback });
    const lan = { host: '0.0.0.0', port: 9000 };
    expect(listenDecision({ redisUrl: 'redis://h:6379', trainHere: true, listen: lan }, true)).toEqual({ listen: lan });
  });

  it('does not without a Redis URL, and says nothing then', () => {
    expect(listenDecision({ redisUrl: null, trainHere: true, listen: loopback }, true)).toEqual({ listen: null, why: null });
  });

  it('does not while another process runs the queue (it is the coordinator), and says so', () => {
    expect(listenDecision({ redisUrl: 'redis://h:6379', trainHere: false, listen: loopback }, false)).toEqual({
      listen: null,
      why: QUEUE_ELSEWHERE,
    });
  });
});

describe('what the System page says of the listener', () => {
  it('warns beyond loopback as serve --host does, naming what a host’s token reaches', () => {
    expect(listenerWarning({ host: '127.0.0.1', port: 9000 })).toBeNull();
    expect(listenerWarning({ host: 'localhost', port: null })).toBeNull();
    expect(listenerWarning({ host: '0.0.0.0', port: 9000 })).toBe(
      'listening on 0.0.0.0, not only this machine: anyone who can reach port 9000 and has the token can fetch the data sets of the runs hosts train and send this workbench their results, over unencrypted HTTP',
    );
  });

  it('turns the server’s refusal of a taken port into advice for the page, and keeps any other reason as it is', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => taken.close(() => resolve())));
    const port = (taken.address() as AddressInfo).port;
    // The service is never reached: listening fails first.
    const refusal = await startHttpServer({ service: {} as never, port, token: 'x'.repeat(32), rendererDir: '' }).catch((e: Error) => e);
    expect(listenFailure(refusal)).toBe(`port ${port} is in use: choose another port, or leave the port empty for a free one`);
    const elsewhere = await startHttpServer({
      service: {} as never,
      host: '192.0.2.1',
      port: 0,
      token: 'x'.repeat(32),
      rendererDir: '',
    }).catch((e: Error) => e);
    expect(listenFailure(elsewhere)).toMatch(/^cannot listen on 192\.0\.2\.1: it is not an address of this machine \(EADDRNOTAVAIL\)$/);
  });
});
