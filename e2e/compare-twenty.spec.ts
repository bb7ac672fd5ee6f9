import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.js';
import { callApi, saveScreenshot, smsSlice } from './helpers.js';
import { deleteRuns, seedTwelveRuns, type TwelveRuns } from './twelveRuns.js';

/*
 * Compare at the scale of an evening's experiments (issue 16): twelve finished runs at 1280 × 800 fit
 * the window, every chart keeps its height, the one legend hides, solos and hides groups in every
 * chart, the effect chart draws dropout × trainable, and "What differs" speaks the form's language.
 */
test.describe.configure({ mode: 'serial' });

let seeded: TwelveRuns;
/** A run like the first but on another data set, for "What differs" to name both. */
let otherRun = 0;
const OTHER_DATASET = 'SMS 200 (other)';

test.beforeAll(async ({ workbench }, testInfo) => {
  testInfo.setTimeout(240_000);
  await callApi(workbench, 'setQueuePaused', false);
  seeded = await seedTwelveRuns(workbench);
  const file = { name: 'sms-200.tsv', base64: Buffer.from(smsSlice(200)).toString('base64') };
  const { id: datasetId } = await callApi(workbench, 'importDataset', file, {}, OTHER_DATASET);
  const { config } = await callApi(workbench, 'getRun', seeded.ids[0]);
  [{ id: otherRun }] = await callApi(workbench, 'createRuns', {
    base: { ...config, name: undefined, dataset: { ...config.dataset, source: datasetId } },
  });
  await expect
    .poll(async () => (await callApi(workbench, 'getRun', otherRun)).status, { timeout: 60_000, intervals: [500] })
    .toBe('finished');
});

// The server is shared with the other specs, which count the runs they see.
test.afterAll(async ({ workbench }) => {
  await deleteRuns(workbench, [...(seeded?.ids ?? []), ...(otherRun ? [otherRun] : [])]);
});

async function openCompare(page: Page, href: string, ids: number[]) {
  await page.goto(`${href}#/compare?ids=${ids.join(',')}`);
  await expect(page.getByTestId('gap-table').locator('tbody tr')).toHaveCount(ids.length);
}

/** The series a chart draws, as its test hook lists them. */
const series = (page: Page, chart: string) => page.getByTestId(chart).getByTestId('chart-legend').locator('li');
const runsOf = async (page: Page, chart: string) =>
  new Set((await series(page, chart).allTextContents()).map((t) => Number(/^#(\d+) /.exec(t)![1])));

test('twelve runs fit 1280 × 800: no horizontal scroll, every chart at least 240 px tall, the form’s labels', async ({
  page,
  workbench,
}, testInfo) => {
  const { ids } = seeded;
  await openCompare(page, workbench.url.href, ids);

  const { scrollWidth, clientWidth } = await page.evaluate(() => {
    const { scrollWidth, clientWidth } = document.scrollingElement!;
    return { scrollWidth, clientWidth };
  });
  expect(scrollWidth).toBeLessThanOrEqual(clientWidth);
  const canvases = page.locator('canvas');
  await expect(canvases).toHaveCount(4);
  for (const canvas of await canvases.all()) {
    const label = await canvas.getAttribute('aria-label');
    expect((await canvas.boundingBox())!.height, label!).toBeGreaterThanOrEqual(240);
  }

  // One legend, beside the charts: every run once, the groups of repeats with their runs.
  for (const id of ids) await expect(page.getByTestId(`legend-run-${id}`)).toHaveAttribute('data-shown', 'true');
  await expect(page.getByTestId('legend-count')).toHaveText(`${ids.length} of ${ids.length} shown`);
  for (const metric of ['loss', 'accuracy']) expect(await runsOf(page, `curve-${metric}`)).toEqual(new Set(ids));

  // What differs: the form's labels, never a config path.
  const diff = page.getByTestId('compare-diff');
  await expect(diff.locator('tr[data-field="learningRate"] th')).toHaveText('Learning rate');
  await expect(diff.locator('tr[data-field="dropout"] th')).toHaveText('Dropout');
  // The repeats train every layer; the grid is all, head+norm, last-1, each with two dropouts.
  const trainable = [...Array<string>(6).fill('all'), 'all', 'all', 'head+norm', 'head+norm', 'last-1', 'last-1'];
  await expect(diff.locator('tr[data-field="trainable"] td')).toHaveText(trainable);
  expect(await diff.locator('tbody th').allTextContents()).not.toContain('learningRate');

  // Accuracy has a point at every evaluation and epoch end, and the page says how they differ from the table.
  const run = await callApi(workbench, 'getRun', ids[0]);
  const evalSteps = new Set(run.curves.evals.map((p) => p.step));
  const points = run.curves.evals.length + run.curves.epochs.filter((e) => !evalSteps.has(e.step)).length;
  await expect(
    series(page, 'curve-accuracy')
      .filter({ hasText: `#${ids[0]} ` })
      .first(),
  ).toHaveAttribute('data-points', String(points));
  await expect(page.getByTestId('curve-note')).toHaveText(
    'Curve points are measured on 1 batch of train and validation (the book’s eval_iter); the tables’ figures are on the whole splits.',
  );

  await page.getByTestId('curve-loss').evaluate((el) => el.closest('section')!.scrollIntoView({ block: 'start' }));
  await saveScreenshot(page, testInfo, 'compare-twenty');
});

test('the legend hides a run, solos one and hides a group in every chart', async ({ page, workbench }) => {
  const { ids, groups } = seeded;
  await openCompare(page, workbench.url.href, ids);
  const all = new Set(ids);
  const shownIn = async (chart: string) =>
    new Set(((await page.getByTestId(chart).getAttribute('data-runs')) ?? '').split(',').filter(Boolean).map(Number));

  // Hide one run.
  const hidden = ids[4];
  await page.getByTestId(`legend-show-${hidden}`).uncheck();
  await expect(page.getByTestId(`legend-run-${hidden}`)).toHaveAttribute('data-shown', 'false');
  await expect(series(page, 'curve-loss')).toHaveCount((ids.length - 1) * 2);
  expect(await runsOf(page, 'curve-loss')).toEqual(new Set(ids.filter((id) => id !== hidden)));
  expect(await runsOf(page, 'curve-accuracy')).toEqual(new Set(ids.filter((id) => id !== hidden)));
  expect(await shownIn('gap-chart')).toEqual(new Set(ids.filter((id) => id !== hidden)));
  await page.getByTestId(`legend-show-${hidden}`).check();
  expect(await runsOf(page, 'curve-loss')).toEqual(all);

  // Solo one: only its train and validation curves and its bars; solo again shows all.
  const solo = ids[8];
  await page.getByTestId(`legend-solo-${solo}`).click();
  await expect(series(page, 'curve-loss')).toHaveText([
    `#${solo} ${await nameOf(page, solo)} · train`,
    `#${solo} ${await nameOf(page, solo)} · validation`,
  ]);
  expect(await shownIn('gap-chart')).toEqual(new Set([solo]));
  await expect(page.getByTestId('legend-count')).toHaveText(`1 of ${ids.length} shown`);
  await page.getByTestId(`legend-solo-${solo}`).click();
  await expect(series(page, 'curve-loss')).toHaveCount(ids.length * 2);

  // Hide a group: its three repeats go from every chart at once.
  const members = groups[1];
  const { statistics } = await callApi(workbench, 'compareRuns', ids);
  const group = statistics.groups.find((g) => members.every((id) => g.runs.includes(id)))!;
  expect(group.runs).toHaveLength(3);
  await page.getByTestId(`legend-group-show-${group.key}`).uncheck();
  for (const id of members) await expect(page.getByTestId(`legend-run-${id}`)).toHaveAttribute('data-shown', 'false');
  const rest = new Set(ids.filter((id) => !members.includes(id)));
  await expect(series(page, 'curve-accuracy')).toHaveCount(rest.size * 2);
  expect(await runsOf(page, 'curve-loss')).toEqual(rest);
  expect(await shownIn('gap-chart')).toEqual(rest);
  await page.getByTestId('legend-show-all').click();
  await expect(series(page, 'curve-loss')).toHaveCount(ids.length * 2);
});

/** A run's name as the legend shows it. */
async function nameOf(page: Page, id: number): Promise<string> {
  return ((await page.getByTestId(`legend-run-${id}`).locator('label').textContent()) ?? '').trim().replace(`#${id} `, '');
}

test('the effect chart draws dropout along x, one line per trainable choice, a point per dropout', async ({
  page,
  workbench,
}, testInfo) => {
  const { ids, grid } = seeded;
  await openCompare(page, workbench.url.href, ids);
  const effect = page.getByTestId('effect');
  await effect.getByTestId('effect-x').selectOption('dropout');
  await effect.getByTestId('effect-line').selectOption('trainable');
  await effect.getByTestId('effect-figure').selectOption('trainVal');
  // The learning rate, varied by the repeats, is held at the grid's value; the other rate's runs are left out.
  await expect(effect.getByTestId('effect-held-learningRate').locator('option:checked')).toHaveText('0.001');

  const lines = series(page, 'effect-chart');
  await expect(lines).toHaveText(['Trainable all', 'Trainable head+norm', 'Trainable last-1']);
  for (const line of await lines.all()) await expect(line).toHaveAttribute('data-points', '2');

  // Hiding a run takes its point away: the grid's last run is last-1 with dropout 0.1.
  await page.getByTestId(`legend-show-${grid[5]}`).uncheck();
  await expect(lines.nth(2)).toHaveAttribute('data-points', '1');
  await page.getByTestId(`legend-show-${grid[5]}`).check();
  await expect(lines.nth(2)).toHaveAttribute('data-points', '2');

  await effect.evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await saveScreenshot(page, testInfo, 'effect-chart');
});

test('What differs names the data sets', async ({ page, workbench }) => {
  await openCompare(page, workbench.url.href, [seeded.ids[0], otherRun]);
  const row = page.getByTestId('compare-diff').locator('tr[data-field="dataset.source"]');
  await expect(row.locator('th')).toHaveText('Data set');
  await expect(row.locator('td')).toHaveText(['SMS 300 (twelve runs)', OTHER_DATASET]);
});
