/**
 * Debian's Chromium driven by playwright-core for editor tests: headless, no sandbox (root in CI),
 * a fresh profile per launch (playwright makes and removes a temporary one), and every request that is not to loopback aborted in each page, so
 * the editor can never reach for the internet (fonts, catalogues, telemetry).
 */
import { chromium, type Browser, type BrowserContext } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export interface TestBrowser {
  browser: Browser;
  /** A new context whose pages only ever reach 127.0.0.1 / localhost. */
  context(init?: { localStorage?: Record<string, string> }): Promise<BrowserContext>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    timeout: 30_000,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    browser,
    async context(init = {}) {
      const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
      await context.route('**/*', (route) => {
        const { hostname, protocol } = new URL(route.request().url());
        const local = hostname === '127.0.0.1' || hostname === 'localhost';
        return local || protocol === 'data:' ? route.continue() : route.abort();
      });
      if (init.localStorage) {
        await context.addInitScript((entries: Record<string, string>) => {
          for (const [key, value] of Object.entries(entries)) localStorage.setItem(key, value);
        }, init.localStorage);
      }
      return context;
    },
    async close() {
      await browser.close();
    },
  };
}
