import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium, installed by `npm test` (scripts/ensure-test-packages.sh). */
export const CHROMIUM = '/usr/bin/chromium';

/** Chromium headless, quiet: no sandbox (root on CI), no GPU, nothing fetched from the internet. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** The app's base URL as a browser reaches it (IPv4 loopback). */
export const browserUrl = (url: string) => url.replace('[::1]', '127.0.0.1');
