/**
 * Log in once with the server's token: the login cookie (kept as Playwright storage state) then authenticates
 * every page, fetch and WebSocket of the run, exactly as a person who opened the tokenized URL.
 */
import { FullConfig, request } from '@playwright/test';

export default async function globalSetup(config: FullConfig): Promise<void> {
  const { baseURL, storageState } = config.projects[0].use;
  const context = await request.newContext({ baseURL });
  const response = await context.get(
    `/lab?token=${process.env.CLASSLAB_UI_TOKEN}`
  );
  if (!response.ok()) {
    throw new Error(
      `Could not log in to JupyterLab at ${baseURL}: HTTP ${response.status()}`
    );
  }
  await context.storageState({ path: storageState as string });
  await context.dispose();
}
