import type { Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import type { RunSummary } from '../src/common/api.js';
import { expect, test, type Workbench } from './fixtures.js';
import { callApi, saveScreenshot } from './helpers.js';
import { deleteRuns, seedTwelveRuns, type TwelveRuns } from './twelveRuns.js';

/*
 * The Runs table at twenty runs' scale: it fits 1280 px whatever the names, search and filters narrow it,
 * tags and notes are written in the app and found again, the export holds exactly the rows shown, a
 * duplicate is named after its source, and Classify forgets results when the run changes.
 */
test.describe.configure({ mode: 'serial' });

// 60 characters, the longest name the service keeps.
const LONG_NAME = 'Sixty characters of name to test the ellipsis of a long name';
const TAG = 'keeper';
const NOTE = 'Overfits quickly after the first epoch';

let seeded: TwelveRuns;
/** Runs this spec made besides the twelve (the long name, the duplicate), deleted with them. */
const extra: number[] = [];

async function settled(workbench: Workbench, ids: number[]): Promise<void> {
  await expect
    .poll(
      async () => (await callApi(workbench, 'listRuns')).filter((r) => ids.includes(r.id) && ['queued', 'running'].includes(r.status)),
      {
        timeout: 120_000,
      },
    )
    .toEqual([]);
}

/** The ids of the rows the table shows, in its order. */
const shownIds = (page: Page) =>
  page
    .locator('tr[data-testid^="run-row-"]')
    .evaluateAll((rows) => rows.map((row) => Number(row.getAttribute('data-testid')!.replace('run-row-', ''))));

async function expectShown(page: Page, ids: number[]) {
  await expect.poll(async () => (await shownIds(page)).sort((a, b) => a - b)).toEqual([...ids].sort((a, b) => a - b));
}

const ofRuns = async (workbench: Workbench, keep: (r: RunSummary) => boolean) =>
  (await callApi(workbench, 'listRuns')).filter(keep).map((r) => r.id);

test.beforeAll(async ({ workbench }) => {
  test.setTimeout(240_000);
  seeded = await seedTwelveRuns(workbench);
  const [source] = (await callApi(workbench, 'listRuns')).filter((r) => r.id === seeded.grid[0]);
  const [long] = await callApi(workbench, 'createRuns', { base: { ...source.config, name: LONG_NAME } });
  extra.push(long.id);
  await settled(workbench, extra);
});

test.afterAll(async ({ workbench }) => {
  await settled(workbench, extra);
  await deleteRuns(workbench, [...seeded.ids, ...extra]);
});

test('at 1280 × 800 the table of 13 runs fits without a horizontal scroll; a long name is cut and whole on hover', async ({
  page,
  workbench,
}) => {
  await page.goto(workbench.url.href);
  await expect(page.getByTestId(`run-row-${extra[0]}`)).toBeVisible();
  const overflow = await page.evaluate(() => {
    const wrap = document.querySelector('[data-testid="runs-table"]')!.parentElement!;
    const root = document.scrollingElement!;
    return { page: root.scrollWidth - root.clientWidth, table: wrap.scrollWidth - wrap.clientWidth };
  });
  expect(overflow).toEqual({ page: 0, table: 0 });
  const name = page.getByTestId(`run-open-${extra[0]}`);
  await expect(name).toHaveAttribute('title', LONG_NAME);
  expect(await name.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
});

test('search narrows the table by name, setting, tag and note; a tag added in the app filters it and is exported', async ({
  page,
  workbench,
}, testInfo) => {
  await page.goto(workbench.url.href);
  const search = page.getByTestId('runs-search');
  await expect(search).toHaveAttribute('type', 'search');

  await search.fill('sixty characters');
  await expectShown(page, [extra[0]]);
  // A setting, whether or not it differs from the book; "dropout 0.1" is not "dropout 0" (nor weight decay 0.1).
  await search.fill('dropout 0.1');
  await expectShown(page, await ofRuns(workbench, (r) => r.config.dropout === 0.1));
  await search.fill('');

  // A tag and a note, written in the run's details.
  const tagged = seeded.grid[1];
  await page.getByTestId(`run-open-${tagged}`).click();
  const details = page.getByTestId('run-details');
  await details.getByTestId('run-tag-input').fill(TAG);
  await details.getByTestId('run-tag-add').click();
  await expect(page.getByTestId(`run-tags-${tagged}`)).toHaveText([TAG]);
  await details.getByTestId('run-note').fill(NOTE);
  await details.getByTestId('run-note-save').click();
  await expect(details.getByTestId('run-note-save')).toBeDisabled();

  await search.fill(TAG);
  await expectShown(page, [tagged]);
  await search.fill('overfits');
  await expectShown(page, [tagged]);
  await search.fill('');
  await page.getByTestId('runs-filter-tag').selectOption(TAG);
  await expectShown(page, [tagged]);
  await expect(page.getByTestId('runs-shown')).toHaveText(/^1 of \d+ runs$/);

  const download = page.waitForEvent('download');
  await page.getByTestId('export-json').click();
  const json = JSON.parse(readFileSync(await (await download).path(), 'utf8')) as { runs: { id: number; tags: string; note: string }[] };
  expect(json.runs).toEqual([expect.objectContaining({ id: tagged, tags: TAG, note: NOTE })]);

  // The whole table again, its tag showing, for the README.
  await page.getByTestId('runs-filter-tag').selectOption('');
  await expect(page.getByTestId('runs-shown')).toHaveText(/^\d+ runs$/);
  await page.evaluate(() => window.scrollTo(0, 0));
  await saveScreenshot(page, testInfo, 'runs');
});

test('Export CSV downloads exactly the rows shown', async ({ page, workbench }) => {
  await page.goto(workbench.url.href);
  await page.getByTestId('runs-search').fill('dropout 0.1');
  const expected = await ofRuns(workbench, (r) => r.config.dropout === 0.1);
  await expectShown(page, expected);
  // Sorted by a column, to see that the export is of the rows, not of their order.
  await page.getByTestId('sort-test').click();
  await expect(page.getByRole('columnheader', { name: /Test/ })).toHaveAttribute('aria-sort', 'descending');

  const download = page.waitForEvent('download');
  await page.getByTestId('export-csv').click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/\.csv$/);
  const [header, ...lines] = readFileSync(await file.path(), 'utf8')
    .trim()
    .split(/\r?\n/);
  const idColumn = header.split(',').indexOf('id');
  expect(idColumn).toBeGreaterThanOrEqual(0);
  const exported = lines.map((line) => Number(line.split(',')[idColumn]));
  expect(exported.sort((a, b) => a - b)).toEqual((await shownIds(page)).sort((a, b) => a - b));
});

test('queued runs show their estimate, and reorder in the queue’s order only', async ({ page, workbench }) => {
  const wasPaused = (await callApi(workbench, 'getQueueState')).paused;
  await callApi(workbench, 'setQueuePaused', true);
  const [source] = (await callApi(workbench, 'listRuns')).filter((r) => r.id === seeded.grid[0]);
  const queued = (await callApi(workbench, 'createRuns', { base: source.config, vary: { seed: [1, 2] } })).map((r) => r.id);
  try {
    await page.goto(workbench.url.href);
    // This machine has finished runs, so each queued run and the queue have an estimate.
    for (const id of queued) await expect(page.getByTestId(`run-estimate-${id}`)).toHaveText(/^≈ \d+ (s|min)$/);
    await expect(page.getByTestId('queue-estimate')).toContainText('≈');

    await page.getByTestId(`run-move-${queued[1]}`).focus();
    await page.keyboard.press('ArrowUp');
    await expect.poll(async () => (await callApi(workbench, 'getQueueState')).queued.slice(0, 2)).toEqual([queued[1], queued[0]]);
    // Sorted by another column, a row's place says nothing about the queue: no handles.
    await page.getByTestId('sort-name').click();
    await expect(page.locator('[data-testid^="run-move-"]')).toHaveCount(0);
  } finally {
    for (const id of queued) await callApi(workbench, 'deleteRun', id);
    await callApi(workbench, 'setQueuePaused', wasPaused);
  }
});

test('Duplicate… names the copy "copy of #N"; the form spells the model custom:L,E,H and estimates each run', async ({
  page,
  workbench,
}) => {
  const source = seeded.grid[0];
  await page.goto(workbench.url.href);
  await page.getByTestId(`run-duplicate-${source}`).click();
  const form = page.getByTestId('run-form');
  await expect(page.getByTestId('copy-of')).toContainText(`copy of #${source}`);
  const shape = form.getByTestId('field-model-custom');
  await expect(shape).toHaveValue('custom:1,32,2,64');
  // Another spelling is read, and shown in the one used everywhere else.
  await shape.fill('1/32/2/64');
  await shape.blur();
  await expect(shape).toHaveValue('custom:1,32,2,64');
  await form.getByTestId('field-epochs').fill('2');

  await form.getByTestId('preview-button').click();
  await expect(page.getByTestId('plan-name')).toHaveText([`copy of #${source} · 2 epochs`]);
  // This machine has finished runs, so the estimate is known.
  await expect(page.getByTestId('plan-estimated')).toHaveText([/^≈ \d+ (s|min)$/]);
  await expect(page.getByTestId('plan-estimate')).toContainText('≈');

  await form.getByTestId('queue-button').click();
  await expect(page.getByRole('heading', { name: 'Runs', exact: true })).toBeVisible();
  const [copy] = await ofRuns(workbench, (r) => r.name.startsWith(`copy of #${source}`));
  expect(copy).toBeDefined();
  extra.push(copy);
  await expect(page.getByTestId(`run-open-${copy}`)).toHaveText(`copy of #${source} · 2 epochs`);
});

test('Classify clears its results when another run is picked', async ({ page, workbench }) => {
  await page.goto(`${workbench.url.href}#/classify`);
  const picker = page.getByTestId('classify-run');
  await picker.selectOption(String(seeded.groups[0][0]));
  await page.getByTestId('classify-input').fill('WINNER!! Call 09061701461 to claim your prize');
  await page.getByTestId('classify-button').click();
  await expect(page.getByTestId('classify-result').locator('tbody tr')).toHaveCount(1);
  await picker.selectOption(String(seeded.groups[1][0]));
  await expect(page.getByTestId('classify-result')).toHaveCount(0);
});

test('the /popup page stays 420 px wide with a 60-character run name', async ({ page, workbench }) => {
  await page.setViewportSize({ width: 420, height: 300 });
  await page.goto(workbench.at('/popup'));
  await page.getByTestId('popup-run').selectOption(String(extra[0]));
  const root = await page.evaluate(() => document.scrollingElement!.scrollWidth);
  expect(root).toBeLessThanOrEqual(420);
});
