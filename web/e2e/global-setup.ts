// Runs once before the workers start: finds the server binary and the browser.
// When either is missing the suite skips with a message, or fails under
// PARKMATE_REQUIRE_SERVICES=1. Without PARKMATE_BIN it builds the server from
// this repository with `go build` (the binary embeds web/dist as it is now).

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN_ENV, CHROME, REPO_DIR, REQUIRE, SKIP_ENV } from './env';

function hasGo(): boolean {
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function buildServer(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parkmate-e2e-bin-'));
  const bin = path.join(dir, 'parkmate');
  console.log(`e2e: PARKMATE_BIN is not set: building the server with go build (embeds web/dist as it is now) into ${bin}`);
  execFileSync('go', ['build', '-o', bin, './cmd/parkmate'], { cwd: REPO_DIR, stdio: 'inherit' });
  return bin;
}

/** missing returns why the suite cannot run here, or null; it may build the binary. */
function missing(): string | null {
  if (!fs.existsSync(CHROME)) return `Chromium not found at ${CHROME}`;
  const bin = process.env.PARKMATE_BIN;
  if (bin) {
    if (!fs.existsSync(bin)) return `PARKMATE_BIN=${bin} does not exist`;
    process.env[BIN_ENV] = path.resolve(bin);
    return null;
  }
  if (!hasGo()) return 'PARKMATE_BIN is not set and go is not on PATH to build the server';
  const built = buildServer();
  process.env[BIN_ENV] = built;
  process.env.PARKMATE_E2E_BUILT = built;
  return null;
}

export default function globalSetup(): void {
  const reason = missing();
  if (reason && REQUIRE) {
    throw new Error(`e2e: FAIL: ${reason} (PARKMATE_REQUIRE_SERVICES=1 requires it)`);
  }
  if (reason) {
    console.log(`e2e: SKIPPED: ${reason}. Set PARKMATE_BIN to a built parkmate binary (or put go on PATH) and install Chromium (apt-get install chromium) to run them.`);
    process.env[SKIP_ENV] = reason;
    return;
  }
  console.log(`e2e: parkmate=${process.env[BIN_ENV]} chromium=${CHROME}`);
}
