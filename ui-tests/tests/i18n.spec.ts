/**
 * Chinese: with JupyterLab's language set to 中文 (zh_CN, Settings → Language) ClassLab speaks Chinese too — the
 * Slides toolbar button and View-menu entry, the other extensions' commands in the palette, and ClassLab's settings
 * in the Settings Editor.
 *
 * The language is a user setting on the server that every browser test shares, so this test writes it through the
 * real settings API (no Galata settings mock) and puts the previous value back in `afterAll`, however the test ends.
 */
import * as path from 'path';

import { expect, test } from '../fixtures';
import { ARTIFACTS } from '../harness';
import {
  changesTheLanguage,
  readRaw,
  setLanguage,
  writeRaw
} from '../language';

const NOTEBOOK = 'i18n.ipynb';

changesTheLanguage();

test('with JupyterLab in Chinese, ClassLab commands, toolbar, menu and settings are in Chinese', async ({
  page,
  request,
  baseURL,
  tmpPath,
  consoleErrors
}) => {
  await page.goto();
  await page.contents.uploadContent(
    JSON.stringify({
      cells: [
        {
          cell_type: 'markdown',
          metadata: {},
          source: ['# 你好，幻灯片']
        }
      ],
      metadata: {
        kernelspec: {
          name: 'python3',
          display_name: 'Python 3 (ipykernel)',
          language: 'python'
        }
      },
      nbformat: 4,
      nbformat_minor: 5
    }),
    'text',
    `${tmpPath}/${NOTEBOOK}`
  );

  // Settings → Language → 中文, then reload: what the Language menu does, through the same settings API.
  await setLanguage(request, baseURL!, 'zh_CN');
  await page.reload();
  // JupyterLab itself is in Chinese now (the language pack is installed).
  await expect(
    page.locator('.lm-MenuBar-item', { hasText: '查看' })
  ).toBeVisible();

  // Open the notebook by command: the file browser's own labels are Chinese now.
  await page.evaluate(
    path =>
      (window as any).jupyterapp.commands.execute('docmanager:open', { path }),
    `${tmpPath}/${NOTEBOOK}`
  );
  const panel = page.locator('.jp-NotebookPanel:visible');
  await expect(panel.locator('.jp-Cell').first()).toBeVisible();
  // Its kernel start moves the focus, which would close the modal command palette below: wait for it first.
  await page.waitForFunction(() => {
    const widget = (window as any).jupyterapp.shell.currentWidget;
    return widget?.sessionContext?.session?.kernel?.status === 'idle';
  });

  // Slides: the notebook toolbar button, named by its tooltip (caption and shortcut).
  await expect(
    panel
      .locator('.jp-NotebookPanel-toolbar')
      .getByRole('button', { name: '把当前笔记本作为幻灯片放映 (Alt+R)' })
  ).toBeVisible();
  // Slides: the View menu entry.
  const menu = (await page.menu.openLocator('查看'))!;
  await expect(
    menu.locator('.lm-Menu-item[data-command="classlab-slides:present"]')
  ).toContainText('以幻灯片放映笔记本');
  await page.screenshot({ path: path.join(ARTIFACTS, 'i18n-zh_CN-menu.png') });
  await page.keyboard.press('Escape');

  // Another extension: GPU's command in the command palette, with its category.
  await page.keyboard.press('Control+Shift+c');
  const palette = page.locator('#modal-command-palette');
  await expect(palette).toBeVisible();
  await palette.locator('.lm-CommandPalette-input').fill('GPU');
  const item = palette.locator(
    '.lm-CommandPalette-item[data-command="classlab-gpu:run-cell"]'
  );
  await expect(item).toContainText('在 GPU 上运行单元格');
  await expect(palette.locator('.lm-CommandPalette-header')).toContainText(
    'ClassLab GPU'
  );
  await page.screenshot({
    path: path.join(ARTIFACTS, 'i18n-zh_CN-palette.png')
  });
  await page.keyboard.press('Escape');

  // The Settings Editor: ClassLab's settings, titles and descriptions, in Chinese too.
  await page.evaluate(() =>
    (window as any).jupyterapp.commands.execute('settingeditor:open', {
      query: 'ClassLab'
    })
  );
  const settings = page.locator('.jp-SettingsPanel');
  // JupyterLab translates only its own schemas; ClassLab's come translated by the extensions (settingsText.ts).
  for (const text of [
    'ClassLab 幻灯片',
    '自动分页的标题级别',
    '在目标单元格之前运行的单元格',
    '上方的每个代码单元格',
    '时间上限（分钟）',
    '刷新间隔（秒）'
  ]) {
    await expect(settings).toContainText(text);
  }
  await expect(settings).not.toContainText('Cells that run before the target');
  await page.screenshot({
    path: path.join(ARTIFACTS, 'i18n-zh_CN-settings.png')
  });

  // A setting changed in the translated form is saved as usual (then put back: the server's settings are shared).
  const jobs = '@classlab/gpu:jobs';
  const before = await readRaw(request, baseURL!, jobs);
  try {
    const seconds = settings
      .locator('.form-group', { hasText: '刷新间隔（秒）' })
      .locator('input');
    await seconds.fill('7');
    // (The form writes plain JSON.)
    await expect
      .poll(async () => {
        try {
          return JSON.parse(await readRaw(request, baseURL!, jobs));
        } catch {
          return null;
        }
      })
      .toMatchObject({ pollSeconds: 7 });
  } finally {
    await writeRaw(request, baseURL!, before, jobs);
  }
  expect(consoleErrors).toEqual([]);
});
