// The suite's fixtures. Every test gets its own parkmate server (own temp dir,
// database and port) and its own browser contexts, one per person, closed
// after the test; the Chromium process is shared by a worker's tests.
//
//   server       the running server, with the accounts of ACCOUNTS
//   actor        actor(name, username): a new person in their own context
//   signedIn     actor + sign-in (the socket connected)
//   browserErrors  page errors and console errors seen so far in this test

import { test as base, type Page } from '@playwright/test';
import { BIN_ENV, KEEP, SKIP_ENV } from './env';
import { login, type Actor } from './helpers';
import { ACCOUNTS, ParkmateServer } from './server';

interface Fixtures {
  _prerequisites: void;
  server: ParkmateServer;
  browserErrors: string[];
  actor: (name: string, username: string) => Promise<Actor>;
  signedIn: (name: string, username: string) => Promise<Actor>;
}

export const test = base.extend<Fixtures>({
  _prerequisites: [
    async ({}, use, testInfo) => {
      const reason = process.env[SKIP_ENV];
      testInfo.skip(Boolean(reason), `skipped: ${reason}`);
      await use();
    },
    { auto: true },
  ],

  server: [
    async ({}, use, testInfo) => {
      const bin = process.env[BIN_ENV];
      if (!bin) throw new Error(`${BIN_ENV} is not set: global-setup.ts did not run`);
      const server = new ParkmateServer(bin);
      try {
        for (const [u, r] of ACCOUNTS) server.addUser(u, r);
        await server.start();
        await use(server);
      } finally {
        await server.stop().catch(() => {});
        if (testInfo.status !== testInfo.expectedStatus) {
          await testInfo.attach('server.log', { path: server.log, contentType: 'text/plain' }).catch(() => {});
          console.log(`--- ${testInfo.title}: last lines of the server log ---\n${server.logTail()}`);
        }
        if (KEEP) console.log(`e2e: kept ${server.tmp}`);
        else server.remove();
      }
    },
    { title: 'server starts; accounts created with `parkmate user add`' },
  ],

  browserErrors: async ({}, use) => {
    await use([]);
  },

  actor: async ({ browser, browserErrors }, use) => {
    const watch = (page: Page, name: string) => {
      page.on('pageerror', (e) => browserErrors.push(`[${name}] page error: ${e.message}`));
      page.on('console', (m) => {
        if (m.type() !== 'error') return;
        const text = m.text();
        // Refused/dropped sockets during the server restart and expected API
        // refusals (e.g. the renewal past the maximum) are not errors of the app.
        if (/WebSocket|ERR_CONNECTION_REFUSED|Failed to load resource/.test(text)) return;
        browserErrors.push(`[${name}] console: ${text}`);
      });
    };
    const actors: Actor[] = [];
    await use(async (name, username) => {
      const ctx = await browser.newContext({ viewport: { width: 1280, height: 860 } });
      const page = await ctx.newPage();
      watch(page, name);
      const a: Actor = {
        name,
        username,
        ctx,
        page,
        expected: new Map(),
        async newTab(tabName) {
          const tab = await ctx.newPage();
          watch(tab, tabName);
          return tab;
        },
      };
      actors.push(a);
      return a;
    });
    for (const a of actors) await a.ctx.close().catch(() => {});
  },

  signedIn: async ({ actor, server }, use) => {
    await use(async (name, username) => {
      const a = await actor(name, username);
      await login(a, server.base);
      return a;
    });
  },
});

export { expect } from '@playwright/test';

/** noBrowserErrors is every test's last step: no page error or console error in any of its browsers. */
export async function noBrowserErrors(errors: string[]): Promise<void> {
  await test.step('no errors in the browsers', () => {
    if (errors.length) throw new Error(errors.join('\n'));
  });
}
