import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.js';
import { callApi, saveScreenshot, smsSlice } from './helpers.js';

/*
 * The learner's path through the UI, one step per test on the same server: a grid of small runs
 * built in the form and watched until they finish, then compared, then used to classify.
 */
test.describe.configure({ mode: 'serial' });

const DATASET = 'SMS 300';
const DROPOUTS = ['0', '0.1', '0.2'];
// Real training: seconds for these three tiny runs on 2 idle cores; the margin is for a loaded machine.
const TRAINING_TIMEOUT = 240_000;

/** The data set the runs train on, and the run ids the grid created, for the later steps. */
let datasetId = '';
let runIds: number[] = [];

/** Each run row's data-status values in the order the page showed them, recorded from DOM mutations. */
async function recordStatuses(page: Page): Promise<void> {
  await page.evaluate(() => {
    const log: Record<string, string[]> = {};
    const record = () => {
      for (const row of document.querySelectorAll<HTMLElement>('tr[data-testid^="run-row-"]')) {
        const seen = (log[row.dataset.testid!] ??= []);
        if (seen.at(-1) !== row.dataset.status) seen.push(row.dataset.status!);
      }
    };
    record();
    new MutationObserver(record).observe(document.body, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ['data-status'],
    });
    Object.assign(window, { statusLog: log });
  });
}

test.beforeAll(async ({ workbench }) => {
  // The data set comes in over the API: importing by drag and drop is datasets.spec.ts's test.
  const file = { name: 'sms-first-300.tsv', base64: Buffer.from(smsSlice(300)).toString('base64') };
  // The same file imported before (by another spec on this server) comes back as that data set, under its first name.
  ({ id: datasetId } = await callApi(workbench, 'importDataset', file, {}, DATASET));
});

test('a grid built in the form is previewed, queued, and its runs finish live on the Runs page', async ({ page, workbench }, testInfo) => {
  test.setTimeout(TRAINING_TIMEOUT + 60_000);
  await page.goto(workbench.url.href);
  // Paused, so the page shows the runs queued before any starts.
  const toggle = page.getByTestId('queue-toggle');
  await expect(toggle).toBeEnabled();
  if ((await toggle.textContent())?.includes('Pause')) await toggle.click();
  await expect(page.getByTestId('queue-state')).toContainText('Queue paused');

  await page.getByTestId('nav-new').click();
  const form = page.getByTestId('run-form');
  await form.getByTestId('field-dataset-source').selectOption(datasetId);
  await form.getByTestId('field-model-preset').selectOption('custom');
  await form.getByTestId('field-model-custom').fill('2/64/4');
  await form.getByTestId('field-model-weights').selectOption('random');
  await form.getByTestId('field-epochs').fill('2');
  await form.getByTestId('field-evalEvery').fill('5');
  await form.getByTestId('field-evalBatches').fill('1');
  await form.getByTestId('vary-dropout').check();
  await form.getByTestId('field-dropout').fill(DROPOUTS.join(', '));
  await expect(form.getByTestId('queue-button')).toHaveText(`Queue ${DROPOUTS.length} runs`);

  await form.getByTestId('preview-button').click();
  const plan = page.getByTestId('plan-preview');
  await expect(plan.getByRole('heading')).toHaveText(`${DROPOUTS.length} planned runs`);
  await expect(plan.locator('tbody tr')).toHaveCount(DROPOUTS.length);
  for (const [i, dropout] of DROPOUTS.entries())
    await expect(plan.locator('tbody tr').nth(i).getByTestId('plan-name')).toHaveText(`dropout ${dropout}`);
  // Trainable and total parameters of each run, counted by the service (e.g. "50.2k", "3.4M").
  for (const cell of await plan.locator('[data-testid="plan-trainable"], [data-testid="plan-total"]').all())
    await expect(cell).toHaveText(/^\d+(\.\d)?[kMB]?$/);
  await plan.scrollIntoViewIfNeeded();
  await saveScreenshot(page, testInfo, 'new-runs');

  await form.getByTestId('queue-button').click();
  await expect(page.getByRole('heading', { name: 'Runs', exact: true })).toBeVisible();
  const rows = page.locator('tr[data-testid^="run-row-"]');
  await expect(rows).toHaveCount(DROPOUTS.length);
  await expect(rows.and(page.locator('[data-status="queued"]'))).toHaveCount(DROPOUTS.length);
  runIds = (await rows.evaluateAll((trs) => trs.map((tr) => Number(tr.getAttribute('data-testid')!.replace('run-row-', ''))))).sort(
    (a, b) => a - b,
  );

  // From here on nothing reloads the page: a navigation would drop this marker and the recorder.
  await page.evaluate(() => Object.assign(window, { notReloaded: true }));
  await recordStatuses(page);
  await page.getByTestId('queue-toggle').click();
  await expect(page.getByTestId('queue-state')).toContainText('Queue running');

  for (const id of runIds)
    await expect(page.getByTestId(`run-row-${id}`)).toHaveAttribute('data-status', 'finished', { timeout: TRAINING_TIMEOUT });
  const { notReloaded, statusLog } = await page.evaluate(() => {
    const w = window as unknown as { notReloaded?: boolean; statusLog: Record<string, string[]> };
    return { notReloaded: w.notReloaded, statusLog: w.statusLog };
  });
  expect(notReloaded).toBe(true);
  for (const id of runIds) expect(statusLog[`run-row-${id}`], `run #${id}`).toEqual(['queued', 'running', 'finished']);
  for (const id of runIds) await expect(page.getByTestId(`run-row-${id}`)).toContainText(/\d+\.\d\d%/);
  // A run's details: its own curves, train and validation.
  await page.getByTestId(`run-open-${runIds[0]}`).click();
  await expect(page.getByTestId('run-details').getByTestId('curve-loss').getByTestId('chart-legend').locator('li')).toHaveText([
    'train',
    'validation',
  ]);
  // The Runs screenshot is runs-table.spec.ts's, of a table with more runs to show.
});

/** The number in a gap cell: "+1.23 pp" → 1.23, "−0.50 pp" → -0.5. */
const gapValue = (text: string) => Number(text.replace('−', '-').replace(/[^\d.+-]/g, ''));

test('Compare shows the varied setting, drawn curves with their legends, and the gap table in gap order', async ({
  page,
  workbench,
}, testInfo) => {
  await page.goto(workbench.url.href);
  for (const id of runIds) await page.getByTestId(`run-select-${id}`).check();
  await page.getByTestId('compare-button').click();
  await expect(page.getByRole('heading', { name: 'Compare' })).toBeVisible();

  const dropoutRow = page.getByTestId('compare-diff').locator('tr[data-field="dropout"]');
  await expect(dropoutRow.locator('td')).toHaveText(DROPOUTS);
  await expect(page.getByTestId('compare-diff').locator('tbody tr[data-field="model.preset"]')).toHaveCount(0);

  for (const metric of ['loss', 'accuracy']) {
    const chart = page.getByTestId(`curve-${metric}`);
    const legend = chart.getByTestId('chart-legend').locator('li');
    await expect(legend).toHaveCount(runIds.length * 2);
    const entries = await legend.allTextContents();
    for (const id of runIds)
      for (const split of ['train', 'validation'])
        expect(
          entries.some((e) => e.startsWith(`#${id} `) && e.endsWith(` · ${split}`)),
          `${metric}: #${id} ${split}`,
        ).toBe(true);
    // Drawn: a good share of the canvas holds non-transparent pixels (axes, labels, lines).
    const painted = await chart.locator('canvas').evaluate((canvas: HTMLCanvasElement) => {
      const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
      let opaque = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) opaque++;
      return { opaque, total: canvas.width * canvas.height };
    });
    expect(painted.total).toBeGreaterThan(0);
    expect(painted.opaque / painted.total, `${metric} canvas`).toBeGreaterThan(0.01);
  }
  await expect(page.getByTestId('gap-chart').getByTestId('chart-legend').locator('li')).toHaveText(['train − val', 'train − test']);

  const table = page.getByTestId('gap-table');
  // The gap's own figure, not the 95% interval printed under it.
  const gaps = async () => (await table.locator('tbody tr td:nth-of-type(5) [data-testid="figure"]').allTextContents()).map(gapValue);
  await expect(table.locator('tbody tr')).toHaveCount(runIds.length);
  const largestFirst = await gaps();
  expect(largestFirst.every(Number.isFinite)).toBe(true);
  expect(largestFirst).toEqual([...largestFirst].sort((a, b) => b - a));
  await page.getByTestId('gap-direction').click();
  await expect(page.getByTestId('gap-direction')).toHaveText('smallest first');
  const smallestFirst = await gaps();
  expect(smallestFirst).toEqual([...largestFirst].sort((a, b) => a - b));
  await page.getByTestId('gap-direction').click();
  await expect(page.getByTestId('confusion-matrices').locator('table')).toHaveCount(runIds.length);
  await saveScreenshot(page, testInfo, 'compare');
});

test('Classify labels a message with a finished run and shows the probabilities', async ({ page, workbench }, testInfo) => {
  await page.goto(workbench.url.href);
  await page.getByTestId('nav-classify').click();
  // The first run (dropout 0) by its id: the page would otherwise offer the one it remembers or picks.
  await page.getByTestId('classify-run').selectOption(String(runIds[0]));
  await page
    .getByTestId('classify-input')
    .fill('WINNER!! You have won a £1000 prize. Call 09061701461 to claim now\nAre we still on for lunch tomorrow?');
  await page.getByTestId('classify-button').click();
  const result = page.getByTestId('classify-result');
  await expect(result.locator('thead th')).toHaveText(['Message', 'Label', /^P\((ham|spam)\)$/, /^P\((ham|spam)\)$/]);
  const rows = result.locator('tbody tr');
  await expect(rows).toHaveCount(2);
  for (const row of await rows.all()) {
    await expect(row.locator('td').nth(1)).toHaveText(/^(ham|spam)$/);
    const [a, b] = (await row.locator('td.num').allTextContents()).map((t) => Number(t.replace('%', '')));
    expect(a + b).toBeCloseTo(100, 0);
  }
  await saveScreenshot(page, testInfo, 'classify');
});

test('the /popup page classifies one message', async ({ page, workbench }, testInfo) => {
  // The tray popup's window size (POPUP_SIZE in src/main/windowOptions.ts).
  await page.setViewportSize({ width: 420, height: 300 });
  // The popup loads the chosen run's classifier as it opens, and says so until it is in memory.
  const loaded = page.waitForResponse((r) => r.url().includes('/api/loadClassifier') && r.ok());
  await page.goto(workbench.at('/popup'));
  await page.getByTestId('popup-run').selectOption(String(runIds[0]));
  await loaded;
  await expect(page.getByTestId('popup-model-loading')).toHaveCount(0);
  await expect(page.getByRole('navigation')).toHaveCount(0);
  await page.getByTestId('popup-input').fill('Free entry in 2 a wkly comp to win FA Cup final tkts. Text FA to 87121');
  await page.getByTestId('popup-classify').click();
  await expect(page.getByTestId('popup-result')).toHaveText(/^(ham|spam) \d+\.\d%$/);
  await saveScreenshot(page, testInfo, 'popup');
});

test('System shows the backend, the ONNX Runtime device and the data folder', async ({ page, workbench }, testInfo) => {
  await page.goto(workbench.url.href);
  await page.getByTestId('nav-system').click();
  await expect(page.getByTestId('system-info')).toContainText(workbench.dataDir);
  // CUDA where it loads; else the CPU, with the reason it did not (none when WORKBENCH_DEVICE=cpu asked for it).
  await expect(page.getByTestId('system-device')).toHaveText(/^\s*(cuda|cpu)( — CUDA did not load: .+)?\s*$/);
  await saveScreenshot(page, testInfo, 'system');
});
