import type { Locator, Page } from '@playwright/test';
import type { RunDetail } from '../src/common/api.js';
import { expect, test } from './fixtures.js';
import { callApi, saveScreenshot, smsSlice } from './helpers.js';

/*
 * Reading an experiment: two settings, each repeated with three seeds (built in the form), then
 * Compare's intervals, verdicts, pairs, error bars and disagreements, the grouped Runs table, and
 * a run's Mistakes checked against its confusion matrix and the data set's own labels.
 */
test.describe.configure({ mode: 'serial' });

const DATASET = 'SMS 300';
const RATES = ['5e-5', '1e-3'];
const REPEATS = 3;
const TRAINING_TIMEOUT = 300_000;

let datasetId = '';
/** The six runs the form queued, in id order (the two settings' repeats follow each other). */
let runIds: number[] = [];

/** A message's text → its labels in the imported file (a text may occur more than once). */
function labelsByText(): Map<string, Set<string>> {
  const byText = new Map<string, Set<string>>();
  for (const line of smsSlice(300).trim().split('\n').slice(1)) {
    const [label, text] = line.split('\t', 2);
    byText.set(text, (byText.get(text) ?? new Set()).add(label));
  }
  return byText;
}

/** "92.7–97.5%" → [92.7, 97.5]; "−1.5 to +4.0 pp" → [-1.5, 4]. */
function interval(text: string): [number, number] {
  const [lo, hi] = text.replace(/−/g, '-').split(/–| to /);
  return [parseFloat(lo), parseFloat(hi)];
}
const figure = (text: string) => parseFloat(text.replace(/−/g, '-'));

/** How many pixels of a canvas have about the whiskers' colour (#111827): nothing else on the gap chart is that dark. */
async function whiskerPixels(canvas: Locator): Promise<number> {
  return canvas.evaluate((c: HTMLCanvasElement) => {
    const { data } = c.getContext('2d')!.getImageData(0, 0, c.width, c.height);
    let dark = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i + 3] > 100 && data[i] < 40 && data[i + 1] < 45 && data[i + 2] < 60) dark++;
    return dark;
  });
}

async function openCompare(page: Page, url: URL) {
  await page.goto(`${url.href}#/compare?ids=${runIds.join(',')}`);
  await expect(page.getByTestId('gap-table').locator('tbody tr')).toHaveCount(runIds.length);
}

test.beforeAll(async ({ workbench }) => {
  const file = { name: 'sms-first-300.tsv', base64: Buffer.from(smsSlice(300)).toString('base64') };
  ({ id: datasetId } = await callApi(workbench, 'importDataset', file, {}, DATASET));
});

// The server is the worker's, shared with the other specs, which count the runs they see: leave none behind.
test.afterAll(async ({ workbench }) => {
  for (const id of runIds) await callApi(workbench, 'deleteRun', id);
});

test('two settings repeated with three seeds are previewed as groups and queued', async ({ page, workbench }, testInfo) => {
  test.setTimeout(TRAINING_TIMEOUT + 60_000);
  const before = new Set((await callApi(workbench, 'listRuns')).map((r) => r.id));
  await page.goto(workbench.url.href);
  await page.getByTestId('nav-new').click();
  const form = page.getByTestId('run-form');
  await form.getByTestId('field-dataset-source').selectOption(datasetId);
  // All 300 messages (not balanced down to 88), so the test split has 60.
  await form.getByTestId('field-dataset-balance').selectOption('no');
  await form.getByTestId('field-model-preset').selectOption('custom');
  await form.getByTestId('field-model-custom').fill('2/64/4');
  await form.getByTestId('field-model-weights').selectOption('random');
  await form.getByTestId('field-epochs').fill('2');
  await form.getByTestId('field-evalEvery').fill('10');
  await form.getByTestId('field-evalBatches').fill('1');
  await form.getByTestId('vary-learningRate').check();
  await form.getByTestId('field-learningRate').fill(RATES.join(', '));
  await form.getByTestId('field-repeats').fill(String(REPEATS));
  await expect(page.getByTestId('run-count')).toHaveText(`${RATES.length * REPEATS} runs (${RATES.length} × ${REPEATS} seeds)`);

  await form.getByTestId('preview-button').click();
  const plan = page.getByTestId('plan-preview');
  await expect(plan.getByRole('heading')).toHaveText(`${RATES.length * REPEATS} planned runs`);
  await expect(plan.getByTestId('plan-count')).toContainText(`${RATES.length} settings × ${REPEATS} seeds`);
  // Repeats of a setting follow each other as one group; the group is named once, at its first run.
  const groups = await plan.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => Number(tr.getAttribute('data-group'))));
  expect(groups).toEqual(RATES.flatMap((_, g) => Array<number>(REPEATS).fill(g + 1)));
  await expect(plan.getByTestId('plan-group').filter({ hasText: /\S/ })).toHaveText(RATES.map((_, g) => `${g + 1} · ${REPEATS} runs`));
  await plan.scrollIntoViewIfNeeded();
  await saveScreenshot(page, testInfo, 'new-runs-repeats');

  await form.getByTestId('queue-button').click();
  await expect(page.getByRole('heading', { name: 'Runs', exact: true })).toBeVisible();
  runIds = (await callApi(workbench, 'listRuns'))
    .filter((r) => !before.has(r.id))
    .map((r) => r.id)
    .sort((a, b) => a - b);
  expect(runIds).toHaveLength(RATES.length * REPEATS);
  await callApi(workbench, 'setQueuePaused', false);
  await expect
    .poll(async () => (await callApi(workbench, 'listRuns')).filter((r) => runIds.includes(r.id)).map((r) => r.status), {
      timeout: TRAINING_TIMEOUT,
      intervals: [1000],
    })
    .toEqual(runIds.map(() => 'finished'));

  const runs = (await callApi(workbench, 'listRuns')).filter((r) => runIds.includes(r.id));
  const keys = [...new Set(runs.map((r) => r.group))];
  expect(keys).toHaveLength(RATES.length);
  expect(new Set(runs.map((r) => r.splitKey)).size).toBe(1);

  // Grouped, each setting is one row: n = 3, mean ± sd and the 95% interval of the mean.
  await page.getByTestId('group-toggle').check();
  for (const key of keys) {
    const row = page.getByTestId(`group-row-${key}`);
    await expect(row.locator('td').first()).toHaveText(String(REPEATS));
    await expect(row.locator('td').nth(1)).toContainText(/\d+\.\d\d% ± \d+\.\d\d/);
    await expect(row.locator('td').nth(1).getByTestId('interval')).toHaveText(/^\d+\.\d–\d+\.\d%$/);
  }
  await saveScreenshot(page, testInfo, 'runs-groups');
  // A group's Compare opens its own runs.
  await page.getByTestId(`group-compare-${keys[0]}`).click();
  const members = runs.filter((r) => r.group === keys[0]).map((r) => r.id);
  await expect(page.getByTestId('gap-table').locator('tbody tr')).toHaveCount(members.length);
  for (const id of members) await expect(page.getByTestId(`gap-row-${id}`)).toBeVisible();
});

test('Compare shows intervals, a verdict about chance, the pairs, error bars and the disagreements of a pair', async ({
  page,
  workbench,
}, testInfo) => {
  await openCompare(page, workbench.url);
  const comparison = await callApi(workbench, 'compareRuns', runIds);

  // Every accuracy and gap with its 95% interval, the figure inside it.
  for (const run of comparison.runs) {
    const cells = page.getByTestId(`gap-row-${run.id}`).locator('td.num');
    await expect(cells).toHaveCount(5);
    for (const [i, cell] of (await cells.all()).entries()) {
      const value = figure(await cell.getByTestId('figure').innerText());
      const [lo, hi] = interval(await cell.getByTestId('interval').innerText());
      expect(lo, `run #${run.id} column ${i}`).toBeLessThanOrEqual(value + 0.05);
      expect(hi, `run #${run.id} column ${i}`).toBeGreaterThanOrEqual(value - 0.05);
    }
    const [lo, hi] = run.intervals!.test;
    await expect(cells.nth(2).getByTestId('interval')).toHaveText(`${(lo * 100).toFixed(1)}–${(hi * 100).toFixed(1)}%`);
  }

  // The verdicts are the service's sentences, shown as they are; one says what chance can do.
  const sentences = page.getByTestId('compare-sentences').locator('li');
  await expect(sentences).toHaveText(comparison.statistics.sentences);
  await expect(sentences.filter({ hasText: 'beyond chance' }).first()).toBeVisible();

  // McNemar for every pair (all six runs share the split): 15 pairs, the first 10 shown, those beyond chance marked.
  const pairs = comparison.statistics.pairs;
  expect(pairs).toHaveLength((runIds.length * (runIds.length - 1)) / 2);
  const rows = page.getByTestId('pairs-table').locator('tbody tr');
  await expect(rows).toHaveCount(10);
  await page.getByRole('button', { name: `Show all ${pairs.length} pairs` }).click();
  await expect(rows).toHaveCount(pairs.length);
  for (const p of pairs) {
    const row = page.getByTestId(`pair-row-${p.a}-${p.b}`);
    await expect(row.locator('td.num').nth(0)).toHaveText(String(p.aOnlyRight));
    await expect(row.locator('td.num').nth(1)).toHaveText(String(p.bOnlyRight));
    await expect(row).toHaveAttribute('data-distinguishable', String(p.distinguishable));
    await expect(row).toContainText(p.distinguishable ? 'differ beyond chance' : 'not beyond chance');
  }

  // The gap chart draws its whiskers: dark strokes no other part of that chart has.
  const gapCanvas = page.getByTestId('gap-chart').locator('canvas');
  await gapCanvas.scrollIntoViewIfNeeded();
  expect(await whiskerPixels(gapCanvas)).toBeGreaterThan(50);
  await expect(page.getByTestId('groups-table').locator('tbody tr')).toHaveCount(RATES.length);

  // The gap table and the verdicts beside it.
  await page.getByTestId('gap-table').evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await saveScreenshot(page, testInfo, 'compare-statistics');

  // A pair's disagreements: exactly McNemar's two counts, each message right for one run and wrong for the other.
  const pair = [...pairs].sort((x, y) => y.aOnlyRight + y.bOnlyRight - (x.aOnlyRight + x.bOnlyRight))[0];
  await page.getByTestId(`pair-show-${pair.a}-${pair.b}`).click();
  const disagreements = page.getByTestId('disagreements');
  await expect(disagreements.locator('tbody tr')).toHaveCount(pair.aOnlyRight + pair.bOnlyRight);
  await expect(disagreements.getByTestId('disagreements-count')).toContainText(
    `${pair.aOnlyRight} only #${pair.a} gets right and ${pair.bOnlyRight} only #${pair.b}`,
  );
  await disagreements.evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await saveScreenshot(page, testInfo, 'disagreements');

  // On the validation messages the tests run again.
  await page.getByTestId('statistics-split').selectOption('val');
  await expect(page.getByTestId('compare-sentences').locator('li').first()).toContainText('validation messages');
  const onVal = await callApi(workbench, 'compareRuns', runIds, 'val');
  await expect(page.getByTestId('compare-sentences').locator('li')).toHaveText(onVal.statistics.sentences);
});

test('Mistakes lists exactly the misclassified test messages of a run, filtered by label', async ({ page, workbench }, testInfo) => {
  // The run with the most test mistakes, so there is something to filter.
  const details: RunDetail[] = await Promise.all(runIds.map((id) => callApi(workbench, 'getRun', id)));
  const wrongOf = (run: RunDetail) =>
    run.evaluation!.test.confusion.reduce((sum, row, i) => sum + row.reduce((s, n, j) => s + (i === j ? 0 : n), 0), 0);
  const run = details.reduce((most, r) => (wrongOf(r) > wrongOf(most) ? r : most));
  const wrong = wrongOf(run);
  expect(wrong).toBeGreaterThan(0);

  await page.goto(workbench.url.href);
  await page.getByTestId(`run-open-${run.id}`).click();
  const panel = page.getByTestId('run-details');
  await expect(panel.getByTestId('details-interval-test')).toHaveText(/^\d+\.\d–\d+\.\d%$/);
  await expect(panel.getByTestId('class-figures').locator('tr[data-split="test"][data-label]')).toHaveCount(run.labels.length);

  const mistakes = panel.getByTestId('mistakes');
  await expect(mistakes.getByTestId('mistakes-count')).toContainText(`${wrong} of ${run.evaluation!.test.count} test messages wrong`);
  const rows = mistakes.getByTestId('mistakes-table').locator('tbody tr');
  await expect(rows).toHaveCount(wrong);

  // Each listed message has, in the imported file, the true label shown and not the predicted one.
  const labels = labelsByText();
  const listed = await rows.evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent!.trim())));
  for (const [, text, label, predicted] of listed) {
    expect(labels.get(text), text).toContain(label);
    expect(predicted).not.toBe(label);
  }
  // Most confident mistakes first.
  const confidences = listed.map((cells) => parseFloat(cells[4]));
  expect(confidences).toEqual([...confidences].sort((a, b) => b - a));

  // Filtered by true and predicted label: each off-diagonal cell of the test confusion matrix.
  for (const [i, label] of run.labels.entries())
    for (const [j, predicted] of run.labels.entries()) {
      if (i === j) continue;
      await mistakes.getByTestId('mistakes-label').selectOption(label);
      await mistakes.getByTestId('mistakes-predicted').selectOption(predicted);
      await expect(rows).toHaveCount(run.evaluation!.test.confusion[i][j]);
    }
  await mistakes.getByTestId('mistakes-label').selectOption('');
  await mistakes.getByTestId('mistakes-predicted').selectOption('');
  await expect(rows).toHaveCount(wrong);
  await mistakes.evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await saveScreenshot(page, testInfo, 'mistakes');
});
