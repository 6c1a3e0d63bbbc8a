/**
 * Browser smoke tests in Jupyter Notebook 7 (ui-tests/notebook7): the same kind of server as playwright.config.ts
 * (harness port and token, isolated dirs, shared test config, ClassLab on its embedded defaults), started as
 * `jupyter notebook` instead of `jupyter lab`. Run: `npx playwright test -c playwright.notebook7.config.ts`.
 */
import * as path from 'path';
import { defineConfig } from '@playwright/test';

import {
  ARTIFACTS,
  CHROMIUM,
  CHROMIUM_ARGS,
  freePort,
  newToken,
  once
} from './harness';

const port = once('CLASSLAB_UI_PORT', () => String(freePort()));
const token = once('CLASSLAB_UI_TOKEN', newToken);
const baseURL = `http://127.0.0.1:${port}`;

export default defineConfig({
  testDir: './notebook7',
  outputDir: './test-results/notebook7',
  timeout: 120_000,
  expect: { timeout: 30_000 },
  retries: 0,
  workers: 1,
  reporter: [
    ['list'],
    ['junit', { outputFile: path.join(ARTIFACTS, 'junit-ui-notebook7.xml') }]
  ],
  globalSetup: require.resolve('./global-setup'),
  use: {
    baseURL,
    storageState: path.join(ARTIFACTS, `.auth-${port}.json`),
    viewport: { width: 1280, height: 800 },
    trace: 'off',
    video: 'off',
    launchOptions: { executablePath: CHROMIUM, args: CHROMIUM_ARGS }
  },
  webServer: {
    command: 'bash scripts/start-lab.sh notebook notebook7/notebook7_config.py',
    url: `${baseURL}/api/status?token=${token}`,
    timeout: 120_000,
    reuseExistingServer: false,
    stdout: 'ignore',
    stderr: 'pipe'
  }
});
