/**
 * The Binder check (issue #9): the same browser harness as playwright.config.ts, with JupyterLab started from the
 * venv that scripts/binder-build.sh made from exactly binder/requirements.txt and binder/postBuild
 * (.binder-check/venv). It runs the smoke and lesson specs of ./tests and the Binder-only specs of ./binder.
 * Run: `bash scripts/binder-build.sh && npx playwright test -c playwright.binder.config.ts` (from ui-tests/ for the
 * second command), or the "binder" suite of scripts/run_suites.py.
 */
import * as path from 'path';
import { defineConfig } from '@playwright/test';

import lab from './playwright.config';
import { ARTIFACTS } from './harness';

export default defineConfig({
  ...lab,
  testDir: '.',
  testMatch: [
    'tests/smoke.spec.ts',
    'tests/lessons.spec.ts',
    'binder/*.spec.ts'
  ],
  testIgnore: [],
  outputDir: './test-results/binder',
  reporter: [
    ['list'],
    ['junit', { outputFile: path.join(ARTIFACTS, 'junit-ui-binder.xml') }]
  ],
  webServer: {
    ...(lab.webServer as object),
    command: 'CLASSLAB_UI_VENV=.binder-check/venv bash scripts/start-lab.sh'
  }
});
