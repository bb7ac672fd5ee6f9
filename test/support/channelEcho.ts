import { parentChannel, type ParentPort } from '../../src/worker/channel.js';

// A stand-in worker for test/worker-channel.test.ts: answers every message it receives with a
// `stage` message carrying it back. With ECHO_VIA_PORT it first gives the process an Electron-style
// process.parentPort (messages wrapped in events with `data`) built on its Node IPC channel, so
// parentChannel() has to choose the utility-process transport.

if (process.env.ECHO_VIA_PORT) {
  const port: ParentPort = {
    postMessage: (message) => process.send!({ viaPort: true, message }),
    on: (_event, listener) => process.on('message', (data) => listener({ data })),
  };
  Object.assign(process, { parentPort: port });
}

const channel = parentChannel();
channel.onMessage((message) => {
  void channel.send({ type: 'stage', stage: 'dataset', message: JSON.stringify(message) });
});
