// The suite's fixtures. Every test gets its own parkmate server (own temp dir,
// database and port) and its own browser contexts, one per person, closed
// after the test; the Chromium process is shared by a worker's tests.
//
//   server       the running server, with the accounts of ACCOUNTS
//   actor        actor(name, username, screen?): a new person in their own context
//                (desktop 1280x860 by default, or PHONE)
//   signedIn     actor + sign-in (the socket connected)
//   browserErrors  page errors, console errors and CSP violations seen so far
//                in this test. Refused connections while the test stops the
//                server are not errors; an HTTP error status the browser logs
//                is one, unless the test expects it (allowHttpError).
//   allowHttpError(path, status)  the browser may log this refusal (e.g. a
//                renewal past the maximum, which answers 422 on purpose)

import { test as base, type ConsoleMessage, type Page } from '@playwright/test';
import { BIN_ENV, KEEP, SKIP_ENV } from './env';
import { DESKTOP, login, type Actor, type Screen } from './helpers';
import { ACCOUNTS, ParkmateServer } from './server';

interface Fixtures {
  _prerequisites: void;
  server: ParkmateServer;
  browserErrors: string[];
  _allowed: Array<{ path: string; status: number }>;
  allowHttpError: (path: string, status: number) => void;
  actor: (name: string, username: string, screen?: Screen) => Promise<Actor>;
  signedIn: (name: string, username: string, screen?: Screen) => Promise<Actor>;
}

/** The browser's own log line for a response with an error status. */
const HTTP_ERROR = /^Failed to load resource: the server responded with a status of (\d+)/;

/** Reports every CSP violation as a console error, which the watch below collects. */
const CSP_WATCH = `document.addEventListener('securitypolicyviolation', (e) => {
  console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') + ' in ' + e.sourceFile + ':' + e.lineNumber);
});`;

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

  _allowed: async ({}, use) => {
    await use([]);
  },

  allowHttpError: async ({ _allowed }, use) => {
    await use((path, status) => {
      _allowed.push({ path, status });
    });
  },

  actor: async ({ browser, browserErrors, _allowed: allowed }, use) => {
    const isError = (m: ConsoleMessage): boolean => {
      const text = m.text();
      // A socket or request refused while the test has stopped the server.
      if (/WebSocket connection to .* failed|ERR_CONNECTION_REFUSED|ERR_CONNECTION_RESET|ERR_EMPTY_RESPONSE/.test(text)) return false;
      const http = HTTP_ERROR.exec(text);
      if (http) {
        const url = m.location().url;
        return !allowed.some((a) => url.includes(a.path) && Number(http[1]) === a.status);
      }
      return true;
    };
    const watch = (page: Page, name: string, a: Actor) => {
      page.on('pageerror', (e) => browserErrors.push(`[${name}] page error: ${e.message}`));
      page.on('console', (m) => {
        if (m.type() === 'error' && isError(m)) browserErrors.push(`[${name}] console: ${m.text()} (${m.location().url})`);
      });
      page.on('request', (r) => {
        const url = new URL(r.url());
        if (url.pathname.startsWith('/api/')) a.requests.push({ at: Date.now(), page: name, method: r.method(), path: url.pathname + url.search });
      });
      page.on('load', () => a.loads.push({ at: Date.now(), page: name }));
    };
    const actors: Actor[] = [];
    await use(async (name, username, screen = DESKTOP) => {
      const ctx = await browser.newContext({ viewport: screen.viewport, isMobile: screen.isMobile, hasTouch: screen.isMobile });
      await ctx.addInitScript(CSP_WATCH);
      const page = await ctx.newPage();
      const a: Actor = {
        name,
        username,
        ctx,
        page,
        expected: new Map(),
        requests: [],
        loads: [],
        async newTab(tabName) {
          const tab = await ctx.newPage();
          watch(tab, tabName, a);
          return tab;
        },
      };
      watch(page, name, a);
      actors.push(a);
      return a;
    });
    for (const a of actors) await a.ctx.close().catch(() => {});
  },

  signedIn: async ({ actor, server }, use) => {
    await use(async (name, username, screen) => {
      const a = await actor(name, username, screen);
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
