/*
 * Why a message from a training process failed validation, in words: the run ends with this reason rather
 * than the message being dropped. A metric that became NaN or Infinity arrives as null (JSON has neither),
 * which is told as "the loss became NaN at step N".
 */

type Issue = { path: PropertyKey[]; message: string };

const METRICS: Record<string, string> = {
  loss: 'loss',
  trainLoss: 'training loss',
  valLoss: 'validation loss',
  trainAccuracy: 'training accuracy',
  valAccuracy: 'validation accuracy',
};

export function invalidMessageReason(raw: unknown, issue: Issue): string {
  const message = raw !== null && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
  const point = message.point !== null && typeof message.point === 'object' ? (message.point as Record<string, unknown>) : null;
  const values = point ?? message;
  const step = typeof values.step === 'number' ? values.step : null;
  for (const [field, name] of Object.entries(METRICS)) {
    if (!Object.hasOwn(values, field)) continue;
    const value = values[field];
    if (value === null || (typeof value === 'number' && !Number.isFinite(value))) {
      const what = typeof value === 'number' ? String(value) : 'NaN';
      const where = step !== null ? ` at step ${step}` : '';
      const hint = name.startsWith('validation') ? ' (is the validation split empty?)' : ': lower the learning rate';
      return `the ${name} became ${what}${where}${hint}`;
    }
  }
  const at = issue.path.length ? ` (${issue.path.map(String).join('.')}: ${issue.message})` : ` (${issue.message})`;
  const type = typeof message.type === 'string' ? `a "${message.type.slice(0, 40)}" message` : 'a message';
  return `the training process sent ${type} the service cannot read${at}`;
}
