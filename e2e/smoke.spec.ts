import { expect, test } from './fixtures.js';

test('the app mounts in a browser and reads the system info over HTTP', async ({ page, workbench }) => {
  await page.goto(workbench.url.href);
  await expect(page.getByRole('navigation', { name: 'Pages' })).toContainText('Spam Workbench');
  await page.getByTestId('nav-system').click();
  await expect(page.getByRole('heading', { name: 'System' })).toBeVisible();
  const info = page.getByLabel('System info');
  await expect(info).toContainText(process.versions.node);
  await expect(info).toContainText('not running in Electron');
});

test('/popup is served as the app too, also as /popup/', async ({ page, workbench }) => {
  for (const pathname of ['/popup', '/popup/']) {
    const response = await page.goto(workbench.at(pathname));
    expect(response?.status()).toBe(200);
    expect(page.url()).toBe(workbench.at('/popup'));
    await expect(page.locator('#app')).not.toBeEmpty();
  }
});
