/**
 * What the language browser tests share: JupyterLab's own language setting (Settings → Language, the `locale` of
 * `@jupyterlab/translation-extension:plugin`), written through the real settings API, and putting back the value the
 * server had before the spec ran (every browser test shares that server's user settings).
 */
import type { APIRequestContext } from '@playwright/test';

import { expect, test } from './fixtures';

const LANGUAGE_PLUGIN = '@jupyterlab/translation-extension:plugin';

function settingsUrl(baseURL: string, plugin: string): string {
  return `${baseURL}/lab/api/settings/${plugin}`;
}

function auth(): Record<string, string> {
  return { Authorization: `token ${process.env.CLASSLAB_UI_TOKEN}` };
}

/** A plugin's user settings as the server keeps them (JupyterLab's language setting by default). */
export async function readRaw(
  request: APIRequestContext,
  baseURL: string,
  plugin = LANGUAGE_PLUGIN
): Promise<string> {
  const response = await request.get(settingsUrl(baseURL, plugin), {
    headers: auth()
  });
  expect(response.ok()).toBe(true);
  return ((await response.json()) as { raw: string }).raw;
}

export async function writeRaw(
  request: APIRequestContext,
  baseURL: string,
  raw: string,
  plugin = LANGUAGE_PLUGIN
): Promise<void> {
  const response = await request.put(settingsUrl(baseURL, plugin), {
    headers: auth(),
    data: { raw }
  });
  expect(response.status()).toBe(204);
}

/** What the Language menu writes for `locale` ('zh_CN', 'en'); JupyterLab uses it from its next load. */
export async function setLanguage(
  request: APIRequestContext,
  baseURL: string,
  locale: string
): Promise<void> {
  await writeRaw(request, baseURL, JSON.stringify({ locale }));
}

/**
 * For a spec that changes the language: the real settings (the language must reach the server, which translates the
 * menus' schemas too), JupyterLab loaded by the test itself, and the language setting put back after the spec —
 * what was there before or, if nothing was, English (never the machine's locale) — however the tests end.
 * Galata's readiness check looks for a tab named "Launcher" ("启动页" in Chinese): the splash going is enough.
 */
export function changesTheLanguage(): void {
  test.use({
    mockSettings: false,
    autoGoto: false,
    waitForApplication: async ({ baseURL }, use) => {
      void baseURL;
      await use(async page => {
        await page.locator('#jupyterlab-splash').waitFor({ state: 'detached' });
      });
    }
  });

  let original: string | null = null;
  let server = '';

  test.beforeAll(async ({ playwright, baseURL }) => {
    server = baseURL!;
    const request = await playwright.request.newContext();
    original = await readRaw(request, server);
    await request.dispose();
  });

  test.afterAll(async ({ playwright }) => {
    if (original === null) {
      return;
    }
    const request = await playwright.request.newContext();
    const raw = original.includes('"locale"')
      ? original
      : JSON.stringify({ locale: 'en' });
    await writeRaw(request, server, raw);
    await request.dispose();
  });
}
