/**
 * A user's session in the hub tests: log in through the Hub's form (optionally into a workspace of the test's own),
 * call that user's own server as an extension's request would (the page's cookies plus JupyterLab's XSRF header),
 * and open a notebook saved there.
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

/**
 * Log in as `name` in a new browser context; resolves once the Hub has spawned the server and JupyterLab is up, in
 * `workspace` when given (see `openWorkspace`).
 */
export async function logIn(
  browser: Browser,
  name: string,
  workspace?: string
): Promise<IHubUser> {
  const page = await (await browser.newContext()).newPage();
  await page.goto('/hub/login');
  await page.getByLabel('Username:').fill(name);
  await page.getByLabel('Password:').fill(process.env.CLASSLAB_HUB_PASSWORD!);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`**/user/${name}/lab**`, { timeout: 60_000 });
  const user = { name, page };
  if (workspace) {
    await openWorkspace(user, workspace);
  } else {
    await expect(page.locator('.jp-LauncherCard').first()).toBeVisible();
  }
  return user;
}

/**
 * Open JupyterLab in a fresh workspace of the test's own, so that the notebooks and panels it opens are not what
 * the user's default workspace (and the next test that logs in) restores.
 */
export async function openWorkspace(
  user: IHubUser,
  workspace: string
): Promise<void> {
  await user.page.goto(`/user/${user.name}/lab/workspaces/${workspace}?reset`);
  await expect(user.page.locator('.jp-LauncherCard').first()).toBeVisible();
  await user.page.evaluate(() => (window as any).jupyterapp.restored);
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

/**
 * Save a notebook with `sources` as its code cells (ids `cell-0`, `cell-1`, …) in the user's home, open it and wait
 * for its Python kernel to be idle.
 */
export async function openNotebook(
  user: IHubUser,
  file: string,
  sources: string[]
): Promise<void> {
  const saved = await callFrom(
    user,
    `/user/${user.name}/api/contents/${file}`,
    'PUT',
    {
      type: 'notebook',
      format: 'json',
      content: {
        nbformat: 4,
        nbformat_minor: 5,
        metadata: {
          kernelspec: {
            name: 'python3',
            display_name: 'Python 3',
            language: 'python'
          }
        },
        cells: sources.map((source, i) => ({
          cell_type: 'code',
          id: `cell-${i}`,
          metadata: {},
          source,
          outputs: [],
          execution_count: null
        }))
      }
    }
  );
  expect([200, 201]).toContain(saved.status);
  await user.page.evaluate(
    file =>
      (window as any).jupyterapp.commands.execute('docmanager:open', {
        path: file
      }),
    file
  );
  await expect(
    user.page.locator('.jp-StatusBar-TextItem', { hasText: '| Idle' })
  ).toBeVisible({ timeout: 60_000 });
}

/** Save a file, a notebook (`content` its JSON) or a directory in the user's home through the contents API. */
export async function saveFile(
  user: IHubUser,
  file: string,
  type: 'file' | 'notebook' | 'directory',
  content?: unknown
): Promise<void> {
  const body: Record<string, unknown> = { type };
  if (type === 'notebook') {
    Object.assign(body, { format: 'json', content });
  } else if (type === 'file') {
    Object.assign(body, { format: 'text', content });
  }
  const saved = await callFrom(
    user,
    `/user/${user.name}/api/contents/${file}`,
    'PUT',
    body
  );
  expect([200, 201]).toContain(saved.status);
}

/**
 * A new API token of the user's own, asked of the Hub as its token page does (the Hub's cookie and XSRF token, in
 * a second page of the user's browser context): what a user can always get, so what a service must not trust
 * beyond its owner.
 */
export async function hubToken(user: IHubUser): Promise<string> {
  const page = await user.page.context().newPage();
  try {
    await page.goto('/hub/token');
    const reply = await page.evaluate(async name => {
      const response = await fetch(`/hub/api/users/${name}/tokens`, {
        method: 'POST',
        headers: {
          'X-XSRFToken': (window as any).jhdata.xsrf_token,
          'Content-Type': 'application/json'
        },
        body: JSON.stringify({ note: 'ClassLab hub test', expires_in: 3600 })
      });
      return { status: response.status, body: await response.json() };
    }, user.name);
    expect(reply.status).toBe(201);
    return reply.body.token;
  } finally {
    await page.close();
  }
}

/** `method url` on the Hub's proxy with `Authorization: token <token>` (none when empty), not the page's cookies. */
export async function serviceCall(
  user: IHubUser,
  url: string,
  token: string,
  method = 'GET',
  body?: unknown
): Promise<IJsonResponse> {
  const response = await user.page.request.fetch(url, {
    method,
    headers: token ? { Authorization: `token ${token}` } : {},
    data: body,
    maxRedirects: 0
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status(), body: parsed };
}
