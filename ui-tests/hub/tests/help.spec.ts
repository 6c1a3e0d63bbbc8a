/**
 * Help across separate single-user servers in a real JupyterHub: the relay is the Hub's managed service
 * `classlab-help` (ui-tests/hub/jupyterhub_config.py), each bridge forwards with its own server token
 * (`help_backend = "remote"`), and each browser opens the room socket through the Hub's proxy with a ticket.
 *
 * student1 asks (teacher only) from a failing cell; the teacher, in their own JupyterLab, joins from the Help
 * panel and fixes the code; student1 sees the fix in the notebook cell and runs it; the teacher sees the output.
 * student2 neither sees that request nor may join it, not even by calling the service with their own server's
 * token from their kernel; the teacher cannot read student1's files. Then student1 asks the class: student2 joins
 * and edits; the teacher observes, and the observer's edits (pushed into the room past the read-only editor) never
 * reach student1's cell. Last, the service is killed mid-session: the Hub starts it again, it reads its open requests
 * from its state file, every client reconnects with a fresh ticket, and what student1 typed meanwhile reaches the room.
 */
import { execSync } from 'child_process';
import * as path from 'path';
import { Page, expect, test } from '@playwright/test';

import { ARTIFACTS } from '../../harness';
import { IHubUser, callFrom, logIn, openNotebook } from '../session';

/** A workspace of this test's own (see `openWorkspace`). */
const WORKSPACE = 'classlab-help-test';

/** Run cell `index` of the open notebook `file` (as Shift+Enter would, without moving on). */
async function runCell(
  user: IHubUser,
  file: string,
  index: number
): Promise<void> {
  await user.page.evaluate(
    async ({ file, index }) => {
      const app = (window as any).jupyterapp;
      const panel = Array.from(app.shell.widgets('main')).find(
        (w: any) => w.context?.path === file
      ) as any;
      app.shell.activateById(panel.id);
      panel.content.activeCellIndex = index;
      await app.commands.execute('notebook:run-cell');
    },
    { file, index }
  );
}

/** Run `code` in a new kernel of the user's own server; its stdout. */
function runInKernel(page: Page, code: string): Promise<string> {
  return page.evaluate(async code => {
    const app = (window as any).jupyterapp;
    const kernel = await app.serviceManager.kernels.startNew({
      name: 'python3'
    });
    let out = '';
    const future = kernel.requestExecute({ code });
    future.onIOPub = (msg: any) => {
      if (msg.header.msg_type === 'stream') {
        out += msg.content.text;
      } else if (msg.header.msg_type === 'error') {
        out += msg.content.ename + ': ' + msg.content.evalue;
      }
    };
    await future.done;
    await kernel.shutdown();
    return out;
  }, code);
}

async function openHelpPanel(user: IHubUser): Promise<void> {
  await user.page.evaluate(() =>
    (window as any).jupyterapp.commands.execute('classlab-help:open-requests')
  );
  await expect(user.page.locator('#classlab-help-requests')).toBeVisible();
}

/** Ask for help on a cell that just failed: its chip, the dialog, the audience. */
async function ask(
  user: IHubUser,
  index: number,
  audience: 'teacher' | 'class',
  message: string
): Promise<void> {
  const cell = user.page.locator('.jp-Notebook .jp-Cell').nth(index);
  const chip = cell.locator('.jp-classlab-help-chip');
  await expect(chip).toBeVisible();
  await chip.click();
  const dialog = user.page.locator('.jp-Dialog');
  await expect(dialog).toBeVisible();
  await dialog.locator('.jp-classlab-help-askMessage').fill(message);
  await dialog.locator(`input[value="${audience}"]`).check();
  await dialog.getByRole('button', { name: 'Ask' }).click();
  await expect(dialog).toBeHidden();
  await expect(cell.locator('.jp-classlab-help-cellStatus')).toContainText(
    'Waiting for help'
  );
}

test('help across servers: the Hub service relays one cell between student and teacher, and no more', async ({
  browser,
  baseURL
}) => {
  test.setTimeout(420_000);
  const [student1, student2, teacher] = await Promise.all(
    ['student1', 'student2', 'teacher'].map(name =>
      logIn(browser, name, WORKSPACE)
    )
  );
  const file = 'help-hub.ipynb';
  const cells = (user: IHubUser) => user.page.locator('.jp-Notebook .jp-Cell');
  const cellText = (user: IHubUser, index: number) =>
    cells(user).nth(index).locator('.jp-InputArea-editor .cm-content');
  let requestId = '';

  await test.step('the bridges use the Hub service', async () => {
    for (const user of [student1, teacher]) {
      const info = await callFrom(user, `/user/${user.name}/classlab/api/info`);
      expect(info.body.services.help).toEqual({
        backend: 'remote'
      });
    }
  });

  await test.step('student1 runs a failing cell and asks the teacher', async () => {
    await openNotebook(student1, file, [
      'print(undefined_name)',
      'print(other_name)'
    ]);
    await runCell(student1, file, 0);
    await ask(student1, 0, 'teacher', 'Why is it not defined?');
    const mine = await callFrom(
      student1,
      `/user/student1/classlab/api/help/requests`
    );
    const reply = mine.body;
    expect(reply.me.name).toBe('student1');
    expect(reply.requests).toHaveLength(1);
    requestId = reply.requests[0].id;
  });

  await test.step('student2 neither sees it nor may join it', async () => {
    await openHelpPanel(student2);
    await expect(
      student2.page.locator('.jp-classlab-help-panelStatus')
    ).toContainText('Nobody is waiting for help.');
    const list = await callFrom(
      student2,
      `/user/student2/classlab/api/help/requests`
    );
    expect(list.body.requests).toEqual([]);
    // Through student2's own bridge (forwarded to the service as student2).
    const joined = await callFrom(
      student2,
      `/user/student2/classlab/api/help/requests/${requestId}/join`,
      'POST',
      { role: 'helper' }
    );
    expect(joined.status).toBe(403);
    expect(joined.body.error.code).toBe('forbidden');
    // Straight at the service from the browser: no token, no entry.
    const direct = await callFrom(
      student2,
      `/services/classlab-help/api/help/requests/${requestId}/join`,
      'POST',
      { role: 'helper' }
    );
    expect(direct.status).toBe(403);
    // Straight at the service from student2's kernel, with the server's own Hub token (which student2 can read):
    // the Hub says it is student2's, so the service refuses, whatever the request claims.
    const fromKernel = await runInKernel(
      student2.page,
      [
        'import json, os, urllib.request, urllib.error',
        `req = urllib.request.Request("${baseURL}/services/classlab-help/api/help/requests/${requestId}/join",`,
        '    data=json.dumps({"role": "helper", "user": "teacher"}).encode(), method="POST",',
        '    headers={"Authorization": "token " + os.environ["JUPYTERHUB_API_TOKEN"], "X-Forwarded-User": "teacher"})',
        'try:',
        '    print(urllib.request.urlopen(req).status)',
        'except urllib.error.HTTPError as e:',
        '    print(e.code, json.loads(e.read())["error"]["code"])'
      ].join('\n')
    );
    expect(fromKernel.trim()).toBe('403 forbidden');
  });

  await test.step('the teacher sees the request in their own JupyterLab and joins', async () => {
    await openHelpPanel(teacher);
    const request = teacher.page.locator('.jp-classlab-help-request');
    await expect(request).toHaveCount(1, { timeout: 15_000 });
    await expect(
      request.locator('.jp-classlab-help-requestError')
    ).toContainText("NameError: name 'undefined_name' is not defined");
    await expect(
      request.locator('.jp-classlab-help-requestMessage')
    ).toHaveText('Why is it not defined?');
    await expect(
      request.getByRole('button', { name: 'Observe' })
    ).toBeVisible();
    await request.getByRole('button', { name: 'Join' }).click();
    const session = teacher.page.locator('.jp-classlab-help-session');
    await expect(session.locator('.jp-classlab-help-sessionState')).toHaveText(
      'Connected'
    );
    const editor = session.locator('.jp-classlab-help-editor .cm-content');
    await expect(editor).toHaveText('print(undefined_name)');
    await expect(session.locator('.jp-classlab-help-person')).toHaveCount(2);
    await editor.click();
    await teacher.page.keyboard.press('Control+a');
    await teacher.page.keyboard.type("print('fixed by teacher')");
    await expect(editor).toHaveText("print('fixed by teacher')");
  });

  await test.step('student1 sees the fix live in the cell, runs it; the teacher sees the output', async () => {
    await expect(cellText(student1, 0)).toHaveText("print('fixed by teacher')");
    await runCell(student1, file, 0);
    await expect(
      cells(student1).nth(0).locator('.jp-OutputArea-output')
    ).toHaveText('fixed by teacher');
    const output = teacher.page.locator(
      '.jp-classlab-help-session .jp-classlab-help-output'
    );
    await expect(output).toHaveText('fixed by teacher\n');
    await teacher.page.screenshot({
      path: path.join(ARTIFACTS, 'help-hub-teacher-session.png')
    });
  });

  await test.step('the helper reaches nothing else of student1’s server', async () => {
    for (const url of [
      '/user/student1/api/contents',
      `/user/student1/api/contents/${file}`,
      '/user/student1/api/kernels',
      '/user/student1/classlab/api/help/requests'
    ]) {
      const response = await callFrom(teacher, url);
      expect(response.status, url).toBe(403);
      expect(JSON.stringify(response.body)).not.toContain('undefined_name');
    }
  });

  await test.step('student1 asks the class: student2 joins and edits', async () => {
    await cells(student1).nth(0).locator('.jp-classlab-help-cancel').click();
    await expect(teacher.page.locator('.jp-classlab-help-request')).toHaveCount(
      0,
      { timeout: 15_000 }
    );
    await teacher.page
      .locator('.jp-classlab-help-session .jp-classlab-help-leave')
      .click();
    await runCell(student1, file, 1);
    await ask(student1, 1, 'class', 'Anyone?');
    const request = student2.page.locator('.jp-classlab-help-request');
    await expect(request).toHaveCount(1, { timeout: 15_000 });
    await expect(request.getByRole('button', { name: 'Observe' })).toHaveCount(
      0
    );
    await request.getByRole('button', { name: 'Join' }).click();
    const session = student2.page.locator('.jp-classlab-help-session');
    await expect(session.locator('.jp-classlab-help-sessionState')).toHaveText(
      'Connected'
    );
    const editor = session.locator('.jp-classlab-help-editor .cm-content');
    await expect(editor).toHaveText('print(other_name)');
    await editor.click();
    await student2.page.keyboard.press('End');
    await student2.page.keyboard.type('  # classmate');
    await expect(cellText(student1, 1)).toHaveText(
      'print(other_name)  # classmate'
    );
  });

  await test.step('the teacher observes: their edits never reach student1', async () => {
    const request = teacher.page.locator('.jp-classlab-help-request');
    await expect(request).toHaveCount(1, { timeout: 15_000 });
    await request.getByRole('button', { name: 'Observe' }).click();
    const session = teacher.page.locator('.jp-classlab-help-session');
    await expect(session.locator('.jp-classlab-help-sessionState')).toHaveText(
      'Connected'
    );
    const editor = session.locator('.jp-classlab-help-editor .cm-content');
    await expect(editor).toHaveText('print(other_name)  # classmate');
    // Past the read-only editor: change the observer's own room doc, which y-websocket sends to the relay.
    await teacher.page.evaluate(() => {
      const app = (window as any).jupyterapp;
      const observing = Array.from(app.shell.widgets('main')).find(
        (w: any) => w.role === 'observer' && w.connection
      ) as any;
      observing.connection.doc.getText('source').insert(0, 'OBSERVER ');
    });
    await expect(editor).toHaveText('OBSERVER print(other_name)  # classmate');
    // A later edit by the helper arrives everywhere, the observer's never does.
    const helperEditor = student2.page.locator(
      '.jp-classlab-help-session .jp-classlab-help-editor .cm-content'
    );
    await student2.page.keyboard.type('!');
    await expect(cellText(student1, 1)).toHaveText(
      'print(other_name)  # classmate!'
    );
    await expect(helperEditor).toHaveText('print(other_name)  # classmate!');
    await expect(editor).toContainText('# classmate!');
    await expect(cellText(student1, 1)).not.toContainText('OBSERVER');
    await expect(helperEditor).not.toContainText('OBSERVER');
  });

  await test.step('the relay dies mid-session: the Hub restarts it, everyone reconnects, no text is lost', async () => {
    const helperSession = student2.page.locator('.jp-classlab-help-session');
    const helperEditor = helperSession.locator(
      '.jp-classlab-help-editor .cm-content'
    );
    const studentState = cells(student1)
      .nth(1)
      .locator('.jp-classlab-help-cellStatus');
    // SIGKILL, as a crash: nothing is saved on the way out. Only this run's service (its state file is in this
    // run's state dir), not another hub's on the same machine; "[s]" keeps the pattern from matching this shell.
    execSync(
      `pkill -KILL -f '[s]tate-file=.*jupyter-test-hub-${process.env.CLASSLAB_HUB_PORT}/classlab-help-state.json'`
    );
    await expect(
      helperSession.locator('.jp-classlab-help-sessionState')
    ).toHaveText('Connecting…');
    await expect(studentState).toContainText('Connecting to the help room');
    // The student keeps working while the relay is away: the text stays in the cell and reaches the room later.
    const editor = cellText(student1, 1);
    await editor.click();
    await student1.page.keyboard.press('End');
    await student1.page.keyboard.type(' # while away');
    await expect(editor).toHaveText(
      'print(other_name)  # classmate! # while away'
    );
    await student1.page.screenshot({
      path: path.join(ARTIFACTS, 'help-hub-relay-down-student.png')
    });
    // The Hub starts a dead managed service again; the service reads its state file, the clients get fresh
    // tickets and sync their documents again.
    await expect(
      helperSession.locator('.jp-classlab-help-sessionState')
    ).toHaveText('Connected', { timeout: 90_000 });
    await expect(helperEditor).toHaveText(
      'print(other_name)  # classmate! # while away',
      { timeout: 30_000 }
    );
    await expect(studentState).not.toContainText('Connecting');
    await helperEditor.click();
    await student2.page.keyboard.press('End');
    await student2.page.keyboard.type('?');
    await expect(editor).toHaveText(
      'print(other_name)  # classmate! # while away?'
    );
    await student2.page.screenshot({
      path: path.join(ARTIFACTS, 'help-hub-relay-restarted-helper.png')
    });
  });
});
