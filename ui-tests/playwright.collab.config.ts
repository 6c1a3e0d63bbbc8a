/**
 * The same browser-test set-up as playwright.config.ts, with the server started from `.venv-collab`
 * (JupyterLab + jupyter-collaboration, so every notebook is a real-time collaborative document), running the
 * `*-collab.spec.ts` specs. Run: `make test-ui` (or `npx playwright test -c playwright.collab.config.ts` here).
 */
import * as path from 'path';
import { defineConfig } from '@playwright/test';
import type { GalataOptions } from '@jupyterlab/galata';

import labConfig from './playwright.config';
import { ARTIFACTS } from './harness';

export default defineConfig<GalataOptions>({
  ...labConfig,
  testIgnore: undefined,
  testMatch: '**/*-collab.spec.ts',
  outputDir: './test-results/collab',
  // Two JupyterLab pages (student and helper) on a 2-core machine.
  timeout: 90_000,
  reporter: [
    ['list'],
    ['junit', { outputFile: path.join(ARTIFACTS, 'junit-ui-collab.xml') }]
  ],
  webServer: {
    ...(labConfig.webServer as object),
    command: 'CLASSLAB_UI_VENV=.venv-collab bash scripts/start-lab.sh'
  }
});
