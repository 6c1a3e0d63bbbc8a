/**
 * Browser tests against a real JupyterHub (configurable-http-proxy, shared-password login, local single-user
 * servers running JupyterLab with every ClassLab package), started by the harness on free loopback ports with a
 * fresh database and state dir. Run: `make test-hub` (or `npx playwright test -c playwright.hub.config.ts` here).
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

/** A free port that is none of the ports already chosen (the OS may hand out the same one twice). */
function distinctFreePort(taken: string[]): string {
  for (;;) {
    const port = String(freePort());
    if (!taken.includes(port)) {
      return port;
    }
  }
}

// Chosen once (workers inherit them) and read by ui-tests/hub/jupyterhub_config.py.
const port = once('CLASSLAB_HUB_PORT', () => distinctFreePort([]));
const apiPort = once('CLASSLAB_HUB_PROXY_API_PORT', () =>
  distinctFreePort([port])
);
once('CLASSLAB_HUB_INTERNAL_PORT', () => distinctFreePort([port, apiPort]));
once('CLASSLAB_HUB_PASSWORD', newToken);
once('CLASSLAB_HUB_API_TOKEN', newToken);
const baseURL = `http://127.0.0.1:${port}`;

export default defineConfig({
  testDir: './hub/tests',
  outputDir: './test-results/hub',
  retries: 0,
  workers: 1,
  // Logging in spawns a JupyterLab server per user: a few seconds each, more on a busy 2-core machine.
  timeout: 90_000,
  expect: { timeout: 30_000 },
  reporter: [
    ['list'],
    ['junit', { outputFile: path.join(ARTIFACTS, 'junit-hub.xml') }]
  ],
  use: {
    baseURL,
    trace: 'off',
    video: 'off',
    screenshot: 'off',
    launchOptions: { executablePath: CHROMIUM, args: CHROMIUM_ARGS }
  },
  webServer: {
    command: 'bash hub/start-hub.sh',
    url: `${baseURL}/hub/health`,
    timeout: 120_000,
    reuseExistingServer: false,
    // SIGTERM lets the hub stop the single-user servers and the proxy before it exits.
    gracefulShutdown: { signal: 'SIGTERM', timeout: 30_000 },
    stdout: 'ignore',
    stderr: 'pipe'
  }
});
