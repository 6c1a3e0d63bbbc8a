/**
 * Help on a single server (both roles in one JupyterLab: the server's own user counts as a teacher here): a cell
 * fails, its "Ask for help" chip asks; the request appears in the Help requests panel; Join opens the help-session
 * tab, whose editor is bound to the room: typing there changes the notebook's cell; running the fixed cell sends
 * its output, as text, back to the session tab.
 */
import * as path from 'path';

import { expect, test } from '../fixtures';
import { ARTIFACTS } from '../harness';
import { askForHelp, failingCell } from '../help';

test.use({ autoGoto: false });

test('ask from a failing cell, join from the Help panel, co-edit the cell, see its output', async ({
  page,
  tmpPath,
  consoleErrors
}) => {
  const cell = await failingCell(page, tmpPath, 'help.ipynb');
  const status = cell.locator('.jp-classlab-help-cellStatus');

  // Ask: a message, the default audience, no context.
  await askForHelp(page, cell, 'I do not know why it fails', async () => {
    await page.screenshot({
      path: path.join(ARTIFACTS, 'help-ask-dialog.png')
    });
  });
  await expect(status.locator('.jp-classlab-help-cancel')).toBeVisible();

  // The Help requests panel lists it.
  await page.sidebar.openTab('classlab-help-requests');
  const request = page.locator('.jp-classlab-help-request').first();
  await expect(request).toBeVisible({ timeout: 15000 });
  await expect(request.locator('.jp-classlab-help-requestError')).toContainText(
    "NameError: name 'undefined_name' is not defined"
  );
  await expect(request.locator('.jp-classlab-help-requestMessage')).toHaveText(
    'I do not know why it fails'
  );
  await page.screenshot({ path: path.join(ARTIFACTS, 'help-panel.png') });

  // Join: the session tab shows the cell's code in a real editor, and the traceback.
  await request.getByRole('button', { name: 'Join' }).click();
  const session = page.locator('.jp-classlab-help-session');
  await expect(session).toBeVisible();
  await expect(session.locator('.jp-classlab-help-sessionState')).toHaveText(
    'Connected'
  );
  // Who is here: the student, named by the server (the Lab user here), and "You".
  await expect(session.locator('.jp-classlab-help-person')).toHaveCount(2);
  await expect(session.locator('.jp-classlab-help-person').first()).toHaveText(
    'You'
  );
  const editor = session.locator('.jp-classlab-help-editor .cm-content');
  await expect(editor).toHaveText('print(undefined_name)');
  await expect(session.locator('.jp-classlab-help-output')).toContainText(
    "NameError: name 'undefined_name' is not defined"
  );
  await expect(session.locator('.jp-classlab-help-output')).not.toContainText(
    '\u001b['
  );

  // Typing in the helper's editor changes the notebook's cell.
  await editor.click();
  await page.keyboard.press('Control+a');
  await page.keyboard.type("print('fixed by helper')");
  await expect(editor).toHaveText("print('fixed by helper')");
  await page.screenshot({
    path: path.join(ARTIFACTS, 'help-session-edit.png')
  });

  await page.notebook.activate('help.ipynb');
  // (Read from the editor's lines: the cell toolbar covers the spot where Galata's text helper clicks.)
  await expect(cell.locator('.jp-InputArea-editor .cm-content')).toHaveText(
    "print('fixed by helper')"
  );

  // The student runs the fixed cell; its output reaches the session tab as text.
  await page.notebook.runCell(0);
  await expect
    .poll(() => page.notebook.getCellTextOutput(0))
    .toEqual(['fixed by helper\n']);
  await page.screenshot({
    path: path.join(ARTIFACTS, 'help-notebook-fixed.png')
  });
  await page.locator('.lm-TabBar-tab', { hasText: 'Help:' }).click();
  await expect(session.locator('.jp-classlab-help-output')).toHaveText(
    'fixed by helper\n'
  );
  // Chat: a line from the session tab reaches the student's cell, stamped with the server's name.
  const chatInput = session.locator('.jp-classlab-help-chatInput');
  await chatInput.fill('Well done, it works now');
  await chatInput.press('Enter');
  await expect(session.locator('.jp-classlab-help-chatLine')).toContainText(
    'Well done, it works now'
  );
  await page.screenshot({
    path: path.join(ARTIFACTS, 'help-session-output.png')
  });

  // The student ends the session: the request leaves the panel.
  await page.notebook.activate('help.ipynb');
  await expect(cell.locator('.jp-classlab-help-chatLine')).toContainText(
    'Well done, it works now'
  );
  await cell.locator('.jp-classlab-help-cancel').click();
  await expect(status).toContainText('You ended the help session.');
  await expect(page.locator('.jp-classlab-help-request')).toHaveCount(0, {
    timeout: 15000
  });
  expect(consoleErrors).toEqual([]);
});
