/**
 * A user's session in the hub tests: log in through the Hub's form, then call that user's own server as an
 * extension's request would (the page's cookies plus JupyterLab's XSRF header).
 */
import { Browser, Page, expect } from '@playwright/test';

export interface IHubUser {
  name: string;
  page: Page;
}

export interface IJsonResponse {
  status: number;
  body: any;
}

/** Log in as `name` in a new browser context; resolves once the Hub has spawned the server and JupyterLab is up. */
export async function logIn(browser: Browser, name: string): Promise<IHubUser> {
  const page = await (await browser.newContext()).newPage();
  await page.goto('/hub/login');
  await page.getByLabel('Username:').fill(name);
  await page.getByLabel('Password:').fill(process.env.CLASSLAB_HUB_PASSWORD!);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`**/user/${name}/lab**`, { timeout: 60_000 });
  await expect(page.locator('.jp-LauncherCard').first()).toBeVisible();
  return { name, page };
}

/** `method url` from the user's page, JSON in and out. */
export function callFrom(
  user: IHubUser,
  url: string,
  method = 'GET',
  body?: unknown
): Promise<IJsonResponse> {
  return user.page.evaluate(
    async ({ url, method, body }) => {
      const xsrf = document.cookie.match(/\b_xsrf=([^;]*)/)?.[1] ?? '';
      const response = await fetch(url, {
        method,
        headers: { 'X-XSRFToken': xsrf, 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body)
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON: keep the text
      }
      return { status: response.status, body: parsed };
    },
    { url, method, body }
  );
}
