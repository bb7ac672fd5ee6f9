import { expect, test } from './fixtures.js';
import { dropFile, saveScreenshot, smsSlice } from './helpers.js';

// A file with one unusable row: line 5 (the header is line 1) has a label but no text.
const BAD_CSV = [
  'label,text',
  'ham,See you at lunch?',
  'spam,WIN a free cruise! Text YES to 80082',
  'ham,Running late sorry',
  'spam,',
  'ham,ok',
].join('\n');

test('a file dropped on the window opens the mapping step and shows a bad row by its line number', async ({ page, workbench }) => {
  await page.goto(workbench.url.href);
  // Dropped on the Runs page: the drop works anywhere on the window and leads to Datasets.
  await expect(page.getByRole('heading', { name: 'Runs' })).toBeVisible();
  await dropFile(page, 'broken.csv', BAD_CSV, async () => {
    await expect(page.getByTestId('drop-overlay')).toBeVisible();
  });
  await expect(page.getByTestId('drop-overlay')).toBeHidden();

  const mapping = page.getByTestId('dataset-mapping');
  await expect(mapping).toContainText('Import broken.csv');
  await expect(page.getByTestId('mapping-text-column').locator('option:checked')).toHaveText('text');
  await expect(page.getByTestId('mapping-label-column').locator('option:checked')).toHaveText('label');
  const problems = page.getByTestId('dataset-problems');
  await expect(problems.locator('li.error')).toHaveCount(1);
  await expect(problems.locator('li.error')).toHaveAttribute('data-line', '5');
  await expect(problems.locator('li.error')).toContainText('line 5');
  await expect(problems.locator('li.error')).toContainText('empty-text');
  await expect(page.getByTestId('import-button')).toBeDisabled();
});

test('a good TSV dropped on the Datasets page imports and is listed', async ({ page, workbench }, testInfo) => {
  await page.goto(workbench.at('/'));
  await page.getByTestId('nav-datasets').click();
  await expect(page.getByRole('heading', { name: 'Datasets' })).toBeVisible();
  // Not the runs spec's 300 rows: the same rows imported again would come back under that spec's name.
  await dropFile(page, 'sms-first-250.tsv', smsSlice(250));

  const mapping = page.getByTestId('dataset-mapping');
  await expect(mapping).toContainText('250 rows');
  await expect(page.getByTestId('dataset-label-counts')).toHaveText('ham 213 · spam 37');
  await expect(page.getByTestId('mapping-delimiter').locator('option:checked')).toHaveText('tab');
  await page.getByTestId('dataset-name').fill('SMS first 250 (datasets spec)');
  await page.getByTestId('import-button').click();

  await expect(page.getByRole('status')).toContainText('Imported “SMS first 250 (datasets spec)”: 250 rows.');
  await expect(mapping).toBeHidden();
  const row = page.getByTestId('datasets-table').locator('tbody tr', { hasText: 'SMS first 250 (datasets spec)' });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText('ham 213 · spam 37');
  await saveScreenshot(page, testInfo, 'datasets');
});
