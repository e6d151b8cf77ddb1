import { act, cleanup, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { claimKeysForFrame, ToastClaims } from '../lib/claims';
import { FakeLocks, flush, MemoryStorage } from '../test/fakes';
import { BookingCountdown } from './BookingCountdown';

const START = Date.parse('2030-01-01T10:00:00Z');
let now = START;

function notifyMock() {
  return { warning: vi.fn(), info: vi.fn() };
}

async function advance(ms: number, step = 500) {
  for (let t = 0; t < ms; t += step) {
    now += step;
    await act(async () => {
      vi.advanceTimersByTime(step);
      await flush(10);
    });
  }
}

beforeEach(() => {
  now = START;
  vi.useFakeTimers();
});
afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

function setup(endsInMs: number, warningSeconds = 58, claims = new ToastClaims(1, { storage: new MemoryStorage(), locks: new FakeLocks() })) {
  const notify = notifyMock();
  const onExpired = vi.fn();
  const endsAt = new Date(START + endsInMs).toISOString();
  const utils = render(
    <BookingCountdown bookingId={5} userId={1} endsAt={endsAt} warningSeconds={warningSeconds} notify={notify} claims={claims} now={() => now} onExpired={onExpired} tickMs={500} />,
  );
  return { notify, onExpired, claims, endsAt, ...utils };
}

describe('BookingCountdown', () => {
  it('counts down every second', async () => {
    setup(60_000);
    expect(screen.getByTestId('countdown-time').textContent).toBe('1:00');
    await advance(1000);
    expect(screen.getByTestId('countdown-time').textContent).toBe('0:59');
    await advance(30_000);
    expect(screen.getByTestId('countdown-time').textContent).toBe('0:29');
  });

  it('event 1: warns once at expiry_warning_seconds, event 2: informs once at zero', async () => {
    const { notify, onExpired } = setup(60_000, 58);
    await flush();
    expect(notify.warning).not.toHaveBeenCalled();
    await advance(2000);
    expect(notify.warning).toHaveBeenCalledTimes(1);
    expect(notify.warning).toHaveBeenCalledWith('Your booking will expire in 1 minute!');
    expect(screen.getByTestId('countdown').getAttribute('data-state')).toBe('warning');
    await advance(57_000);
    expect(notify.info).not.toHaveBeenCalled();
    await advance(1500);
    expect(notify.info).toHaveBeenCalledTimes(1);
    expect(notify.info).toHaveBeenCalledWith('Your booking has expired. Slot released.');
    expect(onExpired).toHaveBeenCalledTimes(1);
    await advance(5000);
    expect(notify.warning).toHaveBeenCalledTimes(1);
    expect(notify.info).toHaveBeenCalledTimes(1);
    expect(screen.getByTestId('countdown').getAttribute('data-state')).toBe('expired');
  });

  it("words events 1 and 2 with the server's texts from the config", async () => {
    const notify = notifyMock();
    const messages = { 'booking.expiring': 'Server: your booking ends soon.', 'booking.expired': 'Server: your booking ended.' };
    const endsAt = new Date(START + 60_000).toISOString();
    const claims = new ToastClaims(1, { storage: new MemoryStorage(), locks: new FakeLocks() });
    render(<BookingCountdown bookingId={5} userId={1} endsAt={endsAt} warningSeconds={58} messages={messages} notify={notify} claims={claims} now={() => now} tickMs={500} />);
    await advance(2500);
    expect(notify.warning).toHaveBeenCalledTimes(1);
    expect(notify.warning).toHaveBeenCalledWith('Server: your booking ends soon.');
    await advance(58_000);
    expect(notify.info).toHaveBeenCalledTimes(1);
    expect(notify.info).toHaveBeenCalledWith('Server: your booking ended.');
  });

  it('words events 1 and 2 itself without messages in the config (an older server)', async () => {
    const { notify } = setup(60_000, 58);
    await advance(2500);
    expect(notify.warning).toHaveBeenCalledWith('Your booking will expire in 1 minute!');
    await advance(58_000);
    expect(notify.info).toHaveBeenCalledWith('Your booking has expired. Slot released.');
  });

  it('uses the 5-minute wording with the default config', async () => {
    const { notify } = setup(301_000, 300);
    await advance(1500);
    expect(notify.warning).toHaveBeenCalledWith('Your booking will expire in 5 minutes!');
  });

  it('is not shown again when the server frame for the same booking came first', async () => {
    const claims = new ToastClaims(1, { storage: new MemoryStorage(), locks: new FakeLocks() });
    const endsAt = new Date(START + 60_000).toISOString();
    // booking.expiring arrived on the socket and was toasted.
    expect(await claims.claimAll(claimKeysForFrame({ id: 90, event: 'booking.expiring', data: { booking_id: 5, ends_at: endsAt } }))).toBe(true);
    const { notify } = setup(60_000, 58, claims);
    await advance(3000);
    expect(notify.warning).not.toHaveBeenCalled();
  });

  it('the server frame arriving after the timer fired is not toasted', async () => {
    const { notify, claims, endsAt } = setup(60_000, 58);
    await advance(2500);
    expect(notify.warning).toHaveBeenCalledTimes(1);
    const frameWon = await claims.claimAll(claimKeysForFrame({ id: 91, event: 'booking.expiring', data: { booking_id: 5, ends_at: endsAt } }));
    expect(frameWon).toBe(false);
    await advance(60_000);
    const expiredWon = await claims.claimAll(claimKeysForFrame({ id: 92, event: 'booking.expired', data: { booking_id: 5, slot_id: 3 } }));
    expect(expiredWon).toBe(false);
    expect(notify.info).toHaveBeenCalledTimes(1);
  });

  it('a reload in the warning zone does not warn twice', async () => {
    const storage = new MemoryStorage();
    const first = setup(60_000, 58, new ToastClaims(1, { storage }));
    await advance(2500);
    expect(first.notify.warning).toHaveBeenCalledTimes(1);
    first.unmount();
    const second = setup(60_000, 58, new ToastClaims(1, { storage }));
    await advance(1000);
    expect(second.notify.warning).not.toHaveBeenCalled();
  });

  it('a renewal (new end) restarts the countdown and can warn again', async () => {
    const claims = new ToastClaims(1, { storage: new MemoryStorage() });
    const notify = notifyMock();
    const endsA = new Date(START + 60_000).toISOString();
    const { rerender } = render(<BookingCountdown bookingId={5} userId={1} endsAt={endsA} warningSeconds={58} notify={notify} claims={claims} now={() => now} />);
    await advance(2500);
    expect(notify.warning).toHaveBeenCalledTimes(1);
    const endsB = new Date(START + 120_000).toISOString();
    rerender(<BookingCountdown bookingId={5} userId={1} endsAt={endsB} warningSeconds={58} notify={notify} claims={claims} now={() => now} />);
    await advance(1000);
    expect(screen.getByTestId('countdown').getAttribute('data-state')).toBe('ok');
    await advance(60_000);
    expect(notify.warning).toHaveBeenCalledTimes(2);
  });
});
