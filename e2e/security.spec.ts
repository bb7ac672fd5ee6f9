import { contentSecurityPolicy } from '../src/common/csp.js';
import { expect, test } from './fixtures.js';

test('the page comes with the Content-Security-Policy header', async ({ page, workbench }) => {
  const response = await page.goto(workbench.url.href);
  expect(response?.headers()['content-security-policy']).toBe(contentSecurityPolicy());
});

test('the page has no Node or Electron globals', async ({ page, workbench }) => {
  await page.goto(workbench.url.href);
  const globals = await page.evaluate(() => ['require', 'process', 'module', 'Buffer', 'workbench'].filter((name) => name in globalThis));
  expect(globals).toEqual([]);
});

test('the API refuses the page without the token and answers with it', async ({ page, workbench, pageErrors }) => {
  await page.goto(workbench.url.href);
  const status = (token: string | null) =>
    page.evaluate(
      async (t) =>
        (await fetch('/api/listRuns', { method: 'POST', body: '[]', headers: t ? { Authorization: `Bearer ${t}` } : {} })).status,
      token,
    );
  expect(await status(null)).toBe(401);
  expect(await status('wrong')).toBe(401);
  expect(await status(workbench.token)).toBe(200);
  // Chromium logs the two refusals this test asked for; they are not the page's errors.
  expect(pageErrors.splice(0).map((e) => /401/.test(e))).toEqual([true, true]);
});

test('events reach the page as server-sent events', async ({ page, workbench }) => {
  await page.goto(workbench.url.href);
  const event = await page.evaluate(async (token) => {
    const source = new EventSource(`/api/events?token=${token}`);
    await new Promise((resolve) => (source.onopen = resolve));
    const next = new Promise<string>((resolve) => (source.onmessage = (m: MessageEvent<string>) => resolve(m.data)));
    for (const paused of [true, false])
      await fetch('/api/setQueuePaused', { method: 'POST', body: JSON.stringify([paused]), headers: { Authorization: `Bearer ${token}` } });
    const data = await next;
    source.close();
    return JSON.parse(data) as unknown;
  }, workbench.token);
  expect(event).toMatchObject({ type: 'queue', state: { paused: true } });
});
