// What the end-to-end suite reads from the environment, in one place.
//
//   PARKMATE_BIN               the server binary (it embeds web/dist: build the app
//                              before the binary). Unset: global-setup.ts builds one
//                              with `go build` when Go is on PATH.
//   CHROMIUM_PATH              the browser (default /usr/bin/chromium, Debian's).
//   PARKMATE_REQUIRE_SERVICES  1: a missing server or browser fails the run
//                              instead of skipping it.
//   E2E_KEEP=1                 keep each test's temp dir (database, server log).
//   E2E_HEADED=1               show the browser.

import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const E2E_DIR = path.dirname(fileURLToPath(import.meta.url));
export const WEB_DIR = path.dirname(E2E_DIR);
export const REPO_DIR = path.dirname(WEB_DIR);
export const SHOTS_DIR = path.join(E2E_DIR, 'screenshots');
export const ARTIFACTS_DIR = path.join(E2E_DIR, 'artifacts');

export const REQUIRE = process.env.PARKMATE_REQUIRE_SERVICES === '1';
export const CHROME = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const HEADED = process.env.E2E_HEADED === '1';
export const KEEP = process.env.E2E_KEEP === '1';

/** Set by global-setup.ts for the workers: the binary to run, or why the suite skips. */
export const BIN_ENV = 'PARKMATE_E2E_BIN';
export const SKIP_ENV = 'PARKMATE_E2E_SKIP';

/** Chromium's flags for a quiet, sandbox-free headless run in a container. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  // Kept from the former runner: no QUIC probes to anywhere.
  '--disable-quic',
];
