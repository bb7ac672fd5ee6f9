import { expect, test } from './fixtures.js';
import { callApi, dropFile, saveScreenshot, smsSlice } from './helpers.js';

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

// A Windows-1252 file as Excel on Western Windows saves it: “smart quotes” 0x93/0x94, € 0x80, é 0xE9, CRLF.
const CP1252_CSV = new Uint8Array([
  ...Buffer.from('text,label\r\n'),
  ...[0x93, ...Buffer.from('Caf'), 0xe9, 0x94, ...Buffer.from(' lunch for '), 0x80, ...Buffer.from('5?,ham\r\n')],
  ...Buffer.from('WIN a free cruise now,spam\r\nsee you there,ham\r\nClaim your prize,spam\r\n'),
]);

test('a Windows-1252 file shows its encoding in the mapping step and imports with the € intact', async ({ page, workbench }) => {
  await page.goto(workbench.at('/'));
  await page.getByTestId('nav-datasets').click();
  await dropFile(page, 'menu-cp1252.csv', CP1252_CSV);

  const mapping = page.getByTestId('dataset-mapping');
  await expect(page.getByTestId('mapping-encoding').locator('option:checked')).toHaveText('Windows-1252');
  await expect(page.getByTestId('mapping-encoding-how')).toHaveText('detected');
  await expect(page.getByTestId('dataset-preview').locator('tr[data-line="2"]')).toContainText('“Café” lunch for €5?');

  // Another encoding is a choice away, and reads the same bytes otherwise; back to Windows-1252 to import.
  await page.getByTestId('mapping-encoding').selectOption('latin-1');
  await expect(page.getByTestId('mapping-encoding-how')).toHaveText('chosen');
  await expect(page.getByTestId('dataset-preview').locator('tr[data-line="2"]')).not.toContainText('€');
  await page.getByTestId('mapping-encoding').selectOption('windows-1252');
  await expect(page.getByTestId('dataset-preview').locator('tr[data-line="2"]')).toContainText('€5?');

  await page.getByTestId('dataset-name').fill('Menu (Windows-1252)');
  await page.getByTestId('import-button').click();
  await expect(page.getByRole('status')).toContainText('Imported “Menu (Windows-1252)”: 4 rows.');
  await expect(mapping).toBeHidden();
  const row = page.getByTestId('datasets-table').locator('tbody tr', { hasText: 'Menu (Windows-1252)' });
  await expect(row).toContainText('Windows-1252');

  const listed = (await callApi(workbench, 'listDatasets')).find((d) => d.name === 'Menu (Windows-1252)');
  expect(listed?.encoding).toBe('windows-1252');
});

test('a file with a bad row highlights it and imports without it when asked, the data set listing the line', async ({
  page,
  workbench,
}) => {
  await page.goto(workbench.at('/'));
  await page.getByTestId('nav-datasets').click();
  await dropFile(page, 'one-bad-row.csv', BAD_CSV);

  const preview = page.getByTestId('dataset-preview');
  await expect(preview.locator('tr.row-error')).toHaveCount(1);
  await expect(preview.locator('tr.row-error')).toHaveAttribute('data-line', '5');
  await expect(preview.locator('tr[data-line="4"]')).not.toHaveClass(/row-error/);
  await expect(page.getByTestId('import-button')).toBeDisabled();
  const skipping = page.getByTestId('import-skipping-button');
  await expect(skipping).toHaveText('Import without the 1 row with problems');

  await page.getByTestId('dataset-name').fill('Without the bad row');
  await skipping.click();
  await expect(page.getByRole('status')).toContainText('Imported “Without the bad row”: 4 rows (left out 1 with problems: line 5).');
  const row = page.getByTestId('datasets-table').locator('tbody tr', { hasText: 'Without the bad row' });
  await expect(row).toContainText('1 row with problems left out (line 5)');
  const listed = (await callApi(workbench, 'listDatasets')).find((d) => d.name === 'Without the bad row');
  expect(listed?.skippedLines).toEqual([5]);
});

test('a file that cannot be read says why once, and offers no retry that cannot help', async ({ page, workbench, pageErrors }) => {
  await page.goto(workbench.at('/'));
  await page.getByTestId('nav-datasets').click();
  // UTF-16 (a BOM FF FE, then every character and a NUL): no delimiter or encoding choice reads it.
  await dropFile(page, 'utf16.csv', new Uint8Array([0xff, 0xfe, ...[...'text,label\n'].flatMap((c) => [c.charCodeAt(0), 0])]));
  await expect(page.getByTestId('dataset-import-error')).toHaveText('utf16.csv is UTF-16 text; save it as UTF-8');
  await expect(page.getByTestId('retry-delimiter')).toHaveCount(0);

  // One column: another delimiter can help, so it is offered.
  await dropFile(page, 'one-column.txt', 'hello there\nhow are you\n');
  await expect(page.getByTestId('dataset-import-error')).toContainText('one-column.txt: ');
  await expect(page.getByTestId('retry-delimiter')).toBeVisible();
  // The browser logs each refused call: both are 422, a valid call about a file that cannot be read.
  expect(pageErrors.splice(0).map((e) => /status of 422/.test(e))).toEqual([true, true]);
});
