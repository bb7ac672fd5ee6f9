// A stand-in training process (plain Node, Node IPC) whose loss becomes NaN: it says it is ready, reports two
// good steps and a third whose loss is NaN (JSON carries it as null), then waits to be stopped, as a real
// worker would keep training. The service must end the run with the reason, not drop the message.
process.on('message', (message) => {
  if (message?.type !== 'start') return;
  const step = (n, loss) => ({
    type: 'step',
    step: n,
    totalSteps: 10,
    epoch: 0,
    epochs: 1,
    examplesSeen: 8 * n,
    loss,
    tokensPerSecond: 100,
    etaSeconds: 1,
  });
  process.send({ type: 'ready', backend: 'cpu' });
  process.send(step(1, 0.69));
  process.send(step(2, 0.68));
  process.send(step(3, NaN));
});
setInterval(() => {}, 1000);
