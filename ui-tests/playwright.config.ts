/**
 * Browser tests against a real JupyterLab server with every ClassLab package, started by the harness on a
 * free loopback port with its own config and data dirs. Run: `make test-ui` (or `npx playwright test` here).
 */
import * as path from 'path';
import { defineConfig, PlaywrightTestConfig } from '@playwright/test';
import type { GalataOptions } from '@jupyterlab/galata';
import * as galataConfig from '@jupyterlab/galata/lib/playwright-config';

import {
  ARTIFACTS,
  CHROMIUM,
  CHROMIUM_ARGS,
  freePort,
  newToken,
  once
} from './harness';

// Galata's defaults (its .d.ts declares nothing, so say what it is).
const baseConfig = galataConfig as unknown as PlaywrightTestConfig;

const port = once('CLASSLAB_UI_PORT', () => String(freePort()));
const token = once('CLASSLAB_UI_TOKEN', newToken);
const baseURL = `http://127.0.0.1:${port}`;

export default defineConfig<GalataOptions>({
  ...baseConfig,
  testDir: './tests',
  // The *-collab specs need jupyter-collaboration: playwright.collab.config.ts runs them.
  testIgnore: '**/*-collab.spec.ts',
  outputDir: './test-results/lab',
  retries: 0,
  workers: 1,
  reporter: [
    ['list'],
    ['junit', { outputFile: path.join(ARTIFACTS, 'junit-ui.xml') }]
  ],
  globalSetup: require.resolve('./global-setup'),
  use: {
    ...baseConfig.use,
    baseURL,
    storageState: path.join(ARTIFACTS, `.auth-${port}.json`),
    mockUser: false,
    trace: 'off',
    video: 'off',
    launchOptions: { executablePath: CHROMIUM, args: CHROMIUM_ARGS }
  },
  webServer: {
    command: 'bash scripts/start-lab.sh',
    url: `${baseURL}/api/status?token=${token}`,
    timeout: 120_000,
    reuseExistingServer: false,
    stdout: 'ignore',
    stderr: 'pipe'
  }
});
