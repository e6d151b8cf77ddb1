// The real parkmate server for one test: its own temp dir, SQLite database and
// loopback port; accounts created with `parkmate user add`; started with
// --expiry-warning 58s so that a 1-minute booking warns about 2 s after it is
// made and runs out a minute later.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const PASSWORD = 'secret-pass-1';

/** The accounts every test's server starts with. */
export const ACCOUNTS = [
  ['driver1', 'driver'],
  ['driver2', 'driver'],
  ['owner1', 'owner'],
  ['employee1', 'employee'],
  ['admin1', 'admin'],
] as const;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export class ParkmateServer {
  readonly tmp: string;
  readonly db: string;
  readonly log: string;
  base = '';
  private port = 0;
  private proc: ChildProcess | null = null;

  constructor(private readonly bin: string) {
    this.tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'parkmate-e2e-'));
    this.db = path.join(this.tmp, 'e2e.db');
    this.log = path.join(this.tmp, 'server.log');
  }

  addUser(username: string, role: string): void {
    execFileSync(this.bin, ['user', 'add', '--db', this.db, '--create', '--username', username, '--role', role, '--password', PASSWORD], {
      cwd: this.tmp,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }

  /** start runs the server (on the same port as before, after a stop) and waits for GET /healthz to answer 200. */
  async start(): Promise<void> {
    if (!this.port) {
      this.port = await freePort();
      this.base = `http://127.0.0.1:${this.port}`;
    }
    const out = fs.openSync(this.log, 'a');
    const proc = spawn(this.bin, ['--addr', `127.0.0.1:${this.port}`, '--db', this.db, '--expiry-warning', '58s'], {
      cwd: this.tmp,
      stdio: ['ignore', out, out],
    });
    fs.closeSync(out);
    this.proc = proc;
    let exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
    proc.once('exit', (code, signal) => {
      exited = { code, signal };
    });
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (exited) throw new Error(`parkmate exited during start (${JSON.stringify(exited)}); see ${this.log}`);
      try {
        const res = await fetch(`${this.base}/healthz`);
        if (res.status === 200) return;
      } catch {
        /* not up yet */
      }
      await sleep(100);
    }
    throw new Error('parkmate did not answer GET /healthz with 200 within 20 s');
  }

  /** stop sends SIGTERM (the server closes its sockets with 1001) and SIGKILL after 8 s. */
  async stop(): Promise<void> {
    const proc = this.proc;
    this.proc = null;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const done = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    const t = setTimeout(() => proc.kill('SIGKILL'), 8000);
    await done;
    clearTimeout(t);
  }

  logTail(lines = 30): string {
    if (!fs.existsSync(this.log)) return '';
    return fs.readFileSync(this.log, 'utf8').trim().split('\n').slice(-lines).join('\n');
  }

  remove(): void {
    fs.rmSync(this.tmp, { recursive: true, force: true });
  }
}
