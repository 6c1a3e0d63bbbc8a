/**
 * The `test` every browser test imports: Galata's, plus a record of console errors and a screenshot of each
 * test's final state in `ui-tests/artifacts/`.
 */
import * as path from 'path';
import { test as galataTest } from '@jupyterlab/galata';

import { ARTIFACTS } from './harness';

export { expect } from '@jupyterlab/galata';

export const test = galataTest.extend<{
  consoleErrors: string[];
  finalScreenshot: void;
}>({
  consoleErrors: async ({ page }, use) => {
    const errors: string[] = [];
    page.on('console', message => {
      if (message.type() === 'error') {
        errors.push(message.text());
      }
    });
    page.on('pageerror', error => errors.push(String(error)));
    await use(errors);
  },
  finalScreenshot: [
    async ({ page }, use, testInfo) => {
      await use();
      const name = testInfo.titlePath
        .slice(1)
        .join(' - ')
        .replace(/[^\w.-]+/g, '_');
      await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
    },
    { auto: true }
  ]
});
