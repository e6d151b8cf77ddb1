// Signing in and signing up, against the real server in Chromium.

import { expect, noBrowserErrors, test } from './fixtures';
import { expectUnread, login, shot, tid, waitConnected } from './helpers';
import { PASSWORD } from './server';

test('the app loads at / and everyone signs in (socket connected)', async ({ server, actor, browserErrors }) => {
  const driver = await actor('driver', 'driver1');
  const owner = await actor('owner', 'owner1');
  const admin = await actor('admin', 'admin1');
  const employee = await actor('employee', 'employee1');
  await driver.page.goto(server.base + '/');
  await tid(driver.page, 'login-form').waitFor();
  await shot(driver.page, 'login.png');
  // A signed-out load asks nothing that answers 401 (the browser would log it as an error).
  expect(driver.requests.map((r) => r.path)).toEqual(['/api/config/']);
  for (const u of [driver, owner, admin, employee]) await login(u, server.base);
  await tid(driver.page, 'driver-page').waitFor();
  await tid(owner.page, 'owner-page').waitFor();
  await tid(admin.page, 'admin-page').waitFor();
  await tid(employee.page, 'employee-page').waitFor();
  for (const u of [driver, owner]) await expectUnread(u.page, 0);
  await noBrowserErrors(browserErrors);
});

test('a newcomer registers and lands on the driver page', async ({ server, actor, browserErrors }) => {
  const u = await actor('newcomer', 'newbie_1');
  await u.page.goto(server.base + '/');
  await tid(u.page, 'tab-register').click();
  await tid(u.page, 'register-form').waitFor();
  await tid(u.page, 'username').fill(u.username);
  await tid(u.page, 'password').fill(PASSWORD);
  await tid(u.page, 'auth-submit').click();
  await u.page.locator('[data-testid="current-user"][data-role="driver"]').waitFor();
  await tid(u.page, 'driver-page').waitFor();
  await waitConnected(u.page);
  await noBrowserErrors(browserErrors);
});
