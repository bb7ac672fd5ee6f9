import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.js';

// The workbench as a learner uses it, in a real Chromium against a real `workbench serve`: import a
// CSV by dropping it on the window, queue a grid, watch it train, compare, classify, the popup.
// One server for the file (see fixtures.ts), so the tests build on each other and run in order.
// Each page is saved under docs/screenshots/ for the README.

test.describe.configure({ mode: 'serial' });
test.use({ viewport: { width: 1440, height: 900 } });

const SCREENSHOTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../docs/screenshots');
const shoot = (page: Page, name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });

// Forty made-up messages, half spam: enough for a two-layer model to train in seconds.
function csv(rows = 40, emptyLabelAt: number | null = null): string {
  const lines = ['label,message'];
  for (let i = 0; i < rows; i++) {
    const spam = i % 2 === 0;
    const label = i === emptyLabelAt ? '' : spam ? 'spam' : 'ham';
    lines.push(`${label},"${spam ? `WIN a FREE prize number ${i}! Call 0800 555 ${1000 + i} now` : `see you at lunch, table ${i}, ok?`}"`);
  }
  return `${lines.join('\n')}\n`;
}

/** Drags a file over the window and drops it, as the browser does for a file from the desktop. */
async function dropFile(page: Page, name: string, text: string) {
  const transfer = await page.evaluateHandle(
    ([n, t]) => {
      const dt = new DataTransfer();
      dt.items.add(new File([t], n, { type: 'text/csv' }));
      return dt;
    },
    [name, text] as const,
  );
  await page.dispatchEvent('main', 'dragenter', { dataTransfer: transfer });
  await page.dispatchEvent('main', 'dragover', { dataTransfer: transfer });
  await expect(page.getByTestId('drop-overlay')).toBeVisible();
  await page.dispatchEvent('main', 'drop', { dataTransfer: transfer });
  await expect(page.getByTestId('drop-overlay')).toBeHidden();
}

test('a CSV dropped on any page opens the import; a bad row is named by its line, a good file imports', async ({ page, workbench }) => {
  await page.goto(workbench.url.href);
  await expect(page.getByTestId('runs-empty')).toBeVisible();

  // Row 5 of the data (line 7 of the file, after the header) has no label.
  await dropFile(page, 'bad.csv', csv(20, 5));
  const mapping = page.getByTestId('dataset-mapping');
  await expect(mapping).toBeVisible();
  await expect(page.getByTestId('dataset-problems')).toContainText('line 7');
  await expect(page.getByTestId('import-button')).toBeDisabled();

  await dropFile(page, 'messages.csv', csv());
  await expect(page.getByTestId('dataset-label-counts')).toHaveText('ham 20 · spam 20');
  await expect(page.getByTestId('dataset-problems')).toHaveCount(0);
  await page.getByTestId('dataset-name').fill('made-up messages');
  await page.getByTestId('import-button').click();
  await expect(page.getByTestId('datasets-table')).toContainText('made-up messages');
  await shoot(page, 'datasets');
});

test('a grid of two runs is planned, queued and trains live to the end', async ({ page, workbench }) => {
  await page.goto(workbench.url.href);
  await page.getByTestId('nav-new').click();
  await page.getByTestId('field-dataset-source').selectOption({ label: 'made-up messages' });
  await page.getByTestId('field-model-preset').selectOption('custom');
  await page.getByTestId('field-model-custom').fill('2/64/4');
  await page.getByTestId('field-model-weights').selectOption('random');
  await page.getByTestId('field-maxLength').fill('24');
  await page.getByTestId('field-epochs').fill('2');
  await page.getByTestId('field-evalEvery').fill('2');
  await page.getByTestId('field-evalBatches').fill('1');
  await page.getByTestId('vary-trainable').check();
  await page.getByTestId('field-trainable').fill('head, all');

  await page.getByTestId('preview-button').click();
  const plan = page.getByTestId('plan-preview');
  await expect(plan).toContainText('2 planned runs');
  await expect(plan.locator('tbody tr')).toHaveCount(2);
  await shoot(page, 'new-runs');

  await page.getByTestId('queue-button').click();
  const table = page.getByTestId('runs-table');
  await expect(table).toBeVisible();
  await expect(table.locator('tbody tr')).toHaveCount(2);
  // Both finish without a reload: the table follows the service's events.
  await expect(table.locator('tbody tr[data-status="finished"]')).toHaveCount(2, { timeout: 180_000 });
  await expect(table).toContainText('pp');
  await table.locator('tbody tr').last().getByRole('cell').nth(2).click();
  await expect(page.getByTestId('run-details').getByTestId('curve-loss').getByTestId('chart-legend')).toContainText('validation');
  await shoot(page, 'runs');
});

test('compare shows what differs, the curves and the runs ordered by their gap', async ({ page, workbench }) => {
  await page.goto(workbench.url.href);
  const rows = page.getByTestId('runs-table').locator('tbody tr');
  for (const row of await rows.all()) await row.getByRole('checkbox').check();
  await page.getByTestId('compare-button').click();

  const diff = page.getByTestId('compare-diff');
  await expect(diff.locator('tbody tr')).toHaveCount(1);
  await expect(diff).toContainText('trainable');
  await expect(diff).toContainText('head');
  await expect(diff).toContainText('all');

  for (const chart of ['curve-loss', 'curve-accuracy']) {
    const legend = page.getByTestId(chart).getByTestId('chart-legend').locator('li');
    await expect(legend).toHaveCount(4);
    await expect(legend.first()).toContainText('train');
    const drawn = await page
      .getByTestId(chart)
      .locator('canvas')
      .evaluate((canvas: HTMLCanvasElement) => {
        const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
        let painted = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++;
        return painted;
      });
    expect(drawn).toBeGreaterThan(1000);
  }

  const gaps = async () =>
    page
      .getByTestId('gap-table')
      .locator('tbody tr')
      .evaluateAll((trs) => trs.map((tr) => Number(tr.children[5].textContent!.replace('−', '-').replace(/[^\d.-]/g, ''))));
  const descending = await gaps();
  expect(descending).toHaveLength(2);
  expect(descending[0]).toBeGreaterThanOrEqual(descending[1]);
  await page.getByTestId('gap-direction').click();
  expect(await gaps()).toEqual([...descending].reverse());
  await expect(page.getByTestId('confusion-matrices').locator('table')).toHaveCount(2);
  await shoot(page, 'compare');
});

test('classify labels each line with a finished run', async ({ page, workbench }) => {
  await page.goto(workbench.url.href);
  await page.getByTestId('nav-classify').click();
  await page.getByTestId('classify-input').fill('WIN a FREE prize now!\nsee you at lunch');
  await page.getByTestId('classify-button').click();
  const result = page.getByTestId('classify-result');
  await expect(result.locator('tbody tr')).toHaveCount(2, { timeout: 60_000 });
  await expect(result.locator('tbody tr').first()).toContainText(/spam|ham/);
  await shoot(page, 'classify');

  await page.getByTestId('nav-system').click();
  await expect(page.getByTestId('system-info')).toContainText('Data folder');
  await shoot(page, 'system');
});

test('the /popup page classifies a message on its own', async ({ page, workbench }) => {
  await page.setViewportSize({ width: 380, height: 300 });
  await page.goto(workbench.at('/popup'));
  await expect(page.getByRole('navigation')).toHaveCount(0);
  await page.getByTestId('popup-input').fill('Free entry: text WIN to claim your prize');
  await page.getByTestId('popup-classify').click();
  await expect(page.getByTestId('popup-result')).toHaveText(/(spam|ham) \d+\.\d%/, { timeout: 60_000 });
  await page.screenshot({ path: path.join(SCREENSHOTS, 'popup.png') });
});
