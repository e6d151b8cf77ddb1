// Removes the server binary that global-setup.ts built, if it built one.

import fs from 'node:fs';
import path from 'node:path';

export default function globalTeardown(): void {
  const built = process.env.PARKMATE_E2E_BUILT;
  if (built) fs.rmSync(path.dirname(built), { recursive: true, force: true });
}
