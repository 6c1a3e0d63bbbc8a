/**
 * ClassLab on a real JupyterHub: two users log in through the Hub's login form in separate browser contexts,
 * each gets their own JupyterLab with every ClassLab extension, the bridge answers each with their own identity
 * and refuses the other user, and the `teachers` group exists in the Hub.
 */
import * as path from 'path';
import { Browser, Page, expect, test } from '@playwright/test';

import { ARTIFACTS } from '../../harness';

const PLUGINS = [
  '@classlab/slides:plugin',
  '@classlab/video:plugin',
  '@classlab/help:plugin',
  '@classlab/gpu:plugin',
  '@classlab/grader:plugin'
];
const COMMANDS = [
  'classlab-slides:present',
  'classlab-video:insert',
  'classlab-help:ask',
  'classlab-gpu:run-cell',
  'classlab-grader:open-panel'
];

interface IUserSession {
  name: string;
  page: Page;
  errors: string[];
}

interface IResponse {
  status: number;
  url: string;
  body: string;
}

/** Log in as `name` in a new browser context and wait for that user's JupyterLab to be up. */
async function logIn(browser: Browser, name: string): Promise<IUserSession> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', message => {
    if (message.type() === 'error') {
      errors.push(`${message.text()} (${message.location().url})`);
    }
  });
  page.on('pageerror', error => errors.push(String(error)));

  await page.goto('/hub/login');
  await page.getByLabel('Username:').fill(name);
  await page.getByLabel('Password:').fill(process.env.CLASSLAB_HUB_PASSWORD!);
  await page.getByRole('button', { name: 'Sign in' }).click();

  // The Hub spawns the server, then its OAuth hand-off lands on the default URL, /lab.
  await page.waitForURL(`**/user/${name}/lab**`, { timeout: 60_000 });
  await expect(page.locator('.jp-LauncherCard').first()).toBeVisible();
  await page.evaluate(() => (window as any).jupyterapp.restored);
  return { name, page, errors };
}

/**
 * GET `url` from inside the page as an extension's request would be: the page's cookies, plus the XSRF header
 * that JupyterLab's ServerConnection adds (the Hub's single-user servers refuse cookie-authenticated fetches
 * without it, even GETs).
 */
function fetchFrom(page: Page, url: string): Promise<IResponse> {
  return page.evaluate(async url => {
    const xsrf = document.cookie.match(/\b_xsrf=([^;]*)/)?.[1] ?? '';
    const response = await fetch(url, { headers: { 'X-XSRFToken': xsrf } });
    return {
      status: response.status,
      url: response.url,
      body: await response.text()
    };
  }, url);
}

test('the teachers group exists in the Hub and holds the teacher', async ({
  playwright,
  baseURL
}) => {
  const api = await playwright.request.newContext({
    baseURL,
    extraHTTPHeaders: {
      Authorization: `token ${process.env.CLASSLAB_HUB_API_TOKEN}`
    }
  });
  const response = await api.get('/hub/api/groups/teachers');
  expect(response.status()).toBe(200);
  const group = await response.json();
  expect(group.name).toBe('teachers');
  expect(group.users).toEqual(['teacher']);
  await api.dispose();
});

test('two users each get their own JupyterLab with ClassLab, and only their own', async ({
  browser
}) => {
  const [student, teacher] = await Promise.all(
    ['student1', 'teacher'].map(name => logIn(browser, name))
  );

  for (const { name, page, errors } of [student, teacher]) {
    await test.step(`${name}: ClassLab is loaded and the bridge knows ${name}`, async () => {
      expect(page.url()).toContain(`/user/${name}/lab`);
      const loaded = await page.evaluate(
        ({ plugins, commands }) => {
          const app = (window as any).jupyterapp;
          return {
            plugins: plugins.filter(id => app.isPluginActivated(id)),
            commands: commands.filter(id => app.commands.hasCommand(id))
          };
        },
        { plugins: PLUGINS, commands: COMMANDS }
      );
      expect(loaded).toEqual({ plugins: PLUGINS, commands: COMMANDS });

      const info = await fetchFrom(page, `/user/${name}/classlab/api/info`);
      expect(info.status).toBe(200);
      expect(JSON.parse(info.body).user.name).toBe(name);
      expect(errors).toEqual([]);
    });
  }

  for (const [me, other] of [
    [student, teacher],
    [teacher, student]
  ]) {
    await test.step(`${me.name} cannot read ${other.name}'s bridge`, async () => {
      const url = `/user/${other.name}/classlab/api/info`;
      // As an extension's request: the other server sees no login of its own and refuses it. Chromium logs
      // that refused request as a console error, which is then the only one allowed.
      const response = await fetchFrom(me.page, url);
      expect(response.status).toBe(403);
      expect(response.body).not.toContain(other.name);
      expect(me.errors).toEqual([
        `Failed to load resource: the server responded with a status of 403 (Forbidden) (${response.url})`
      ]);
      me.errors.length = 0;

      // As a navigation: the other server sends the browser to the Hub's OAuth, which knows this user and
      // refuses them the other's server.
      const tab = await me.page.context().newPage();
      const navigation = await tab.goto(`/user/${other.name}/lab`);
      expect(navigation?.status()).toBe(403);
      expect(tab.url()).toContain(
        `/hub/api/oauth2/authorize?client_id=jupyterhub-user-${other.name}&`
      );
      expect(await tab.evaluate(() => (window as any).jhdata.user)).toBe(
        me.name
      );
      await expect(tab.locator('.error')).toContainText(
        `You do not have permission to access Server at /user/${other.name}/`
      );
      await tab.close();
    });
  }

  await test.step('lecture media play from each user’s own server, under the Hub prefix, to them only', async () => {
    for (const { name, page } of [student, teacher]) {
      // A captions file saved through the contents API, as a teacher's course folder would hold it.
      const saved = await page.evaluate(
        async ({ name, text }) => {
          const xsrf = document.cookie.match(/\b_xsrf=([^;]*)/)?.[1] ?? '';
          const response = await fetch(
            `/user/${name}/api/contents/lesson.vtt`,
            {
              method: 'PUT',
              headers: {
                'X-XSRFToken': xsrf,
                'Content-Type': 'application/json'
              },
              body: JSON.stringify({
                type: 'file',
                format: 'text',
                content: text
              })
            }
          );
          return response.status;
        },
        {
          name,
          text: `WEBVTT\n\n00:00.000 --> 00:02.000\nHello from ${name}\n`
        }
      );
      expect([200, 201]).toContain(saved);
      const media = await fetchFrom(
        page,
        `/user/${name}/classlab/media/lesson.vtt`
      );
      expect(media.status).toBe(200);
      expect(media.body).toContain(`Hello from ${name}`);
    }
    const stolen = await fetchFrom(
      student.page,
      `/user/${teacher.name}/classlab/media/lesson.vtt`
    );
    expect(stolen.status).toBe(403);
    expect(stolen.body).not.toContain('Hello from');
    // Chromium logs that refused request as a console error: the only one allowed.
    expect(student.errors).toEqual([
      `Failed to load resource: the server responded with a status of 403 (Forbidden) (${stolen.url})`
    ]);
    student.errors.length = 0;
  });

  for (const { name, page, errors } of [student, teacher]) {
    // Show the bridge's answer in the user's own JupyterLab, so the screenshot says whose it is.
    const info = JSON.parse(
      (await fetchFrom(page, `/user/${name}/classlab/api/info`)).body
    );
    await page.evaluate(
      message =>
        (window as any).jupyterapp.commands.execute('apputils:notify', {
          message,
          type: 'info',
          options: { autoClose: false }
        }),
      `ClassLab bridge: signed in as ${info.user.name}`
    );
    await expect(
      page.getByText(`ClassLab bridge: signed in as ${name}`)
    ).toBeVisible();
    // Animations disabled: the toast slides in, and would be caught half-way.
    await page.screenshot({
      path: path.join(ARTIFACTS, `hub-${name}.png`),
      animations: 'disabled'
    });
    expect(errors).toEqual([]);
    await page.context().close();
  }
});
