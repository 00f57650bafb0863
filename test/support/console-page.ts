import type { Browser, Page } from 'playwright-core';
import { browserUrl, launchChromium } from './browser.js';
import { startSimulatedApp, type SimulatedApp } from './simulated.js';

export { eventually } from './http.js';

/** A new page of the console at `base`, signed in with `key` as a user would. */
export async function signIn(
  browser: Browser,
  base: string,
  key: string,
  viewport = { width: 1280, height: 900 },
): Promise<Page> {
  const page = await browser.newPage({ viewport });
  await page.goto(base);
  await page.fill('input[name=apiKey]', key);
  await page.click('button[type=submit]');
  await page.locator('header.top nav').waitFor();
  return page;
}

/** The app on a simulator, listening, and a Chromium to open its console with. */
export async function startConsole(
  environment: Record<string, string> = {},
): Promise<{ env: SimulatedApp; browser: Browser; base: string }> {
  const env = await startSimulatedApp(environment);
  await env.t.app.listen({ port: 0, host: '127.0.0.1' });
  const base = `${browserUrl(await env.t.app.getUrl())}/console/`;
  return { env, browser: await launchChromium(), base };
}
