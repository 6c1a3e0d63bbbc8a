/**
 * JupyterLab with every ClassLab package: it loads cleanly, each extension's main command is in the command
 * palette, and the bridge answers `info` for the logged-in user.
 */
import { expect, test } from '../fixtures';

const COMMANDS = [
  { id: 'classlab-slides:present', label: 'Present Notebook as Slides' },
  { id: 'classlab-video:insert', label: 'Insert Lecture Video' },
  { id: 'classlab-help:ask', label: 'Ask for Help' },
  { id: 'classlab-gpu:run-cell', label: 'Run Cell on GPU' },
  { id: 'classlab-grader:open-panel', label: 'Open Grader Panel' }
];

// Navigate ourselves, after the console listener is attached, so errors during start-up are seen.
test.use({ autoGoto: false });

test('JupyterLab loads with every ClassLab extension and no console errors', async ({
  page,
  consoleErrors
}) => {
  await page.goto();
  await expect(page.locator('.jp-LauncherCard').first()).toBeVisible();

  const loaded = await page.evaluate(() => {
    const app = (window as any).jupyterapp;
    return Object.fromEntries(
      [
        '@classlab/slides:plugin',
        '@classlab/video:plugin',
        '@classlab/help:plugin',
        '@classlab/gpu:plugin',
        '@classlab/grader:plugin'
      ].map(id => [id, app.isPluginActivated(id)])
    );
  });
  expect(Object.values(loaded)).toEqual([true, true, true, true, true]);
  expect(consoleErrors).toEqual([]);
});

test('all five ClassLab commands are in the command palette', async ({
  page,
  consoleErrors,
  tmpPath
}) => {
  await page.goto();
  await page.filebrowser.openDirectory(tmpPath);
  await page.notebook.createNew('palette.ipynb');

  // Wait until the new notebook's kernel is up: its start moves focus, which closes a modal palette.
  await expect(
    page.locator('.jp-StatusBar-TextItem', { hasText: '| Idle' })
  ).toBeVisible();

  const palette = page.locator('#modal-command-palette');
  for (const { id, label } of COMMANDS) {
    await page.keyboard.press('Control+Shift+c');
    await expect(palette).toBeVisible();
    await palette.locator('.lm-CommandPalette-input').fill(label);
    const item = palette.locator(
      `.lm-CommandPalette-item[data-command="${id}"]`
    );
    await expect(item).toBeVisible();
    await expect(item).not.toHaveClass(/lm-mod-disabled/);
    await page.keyboard.press('Escape');
    await expect(palette).toBeHidden();
  }
  expect(consoleErrors).toEqual([]);
});

test('the bridge answers info for the logged-in user, and only for them', async ({
  page,
  playwright,
  baseURL
}) => {
  await page.goto();
  const { info, me } = await page.evaluate(async () => {
    const get = async (url: string) => (await fetch(url)).json();
    return { info: await get('classlab/api/info'), me: await get('api/me') };
  });
  expect(info.version).toBe('0.1.0');
  expect(info.user.name).toBeTruthy();
  expect(info.user.name).toBe(me.identity.username);
  expect(info.services).toEqual({
    gpu: { backend: 'local' },
    grader: { backend: 'local' },
    help: { backend: 'local' }
  });

  // A client with neither cookie nor token is refused (the runner would otherwise lend it our login).
  const anonymous = await playwright.request.newContext({
    baseURL,
    storageState: { cookies: [], origins: [] }
  });
  const refused = await anonymous.get('/classlab/api/info');
  expect([401, 403]).toContain(refused.status());
  await anonymous.dispose();
});
