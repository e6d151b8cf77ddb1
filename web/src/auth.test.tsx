import { QueryClientProvider } from '@tanstack/react-query';
import { cleanup, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { api, ApiError, signedInHint } from './api';
import { AuthProvider, useAuth } from './auth';
import { newQueryClient } from './lib/queries';
import type { AppConfig } from './types';

function Show() {
  const { config, user, checking } = useAuth();
  return (
    <>
      <pre data-testid="config">{JSON.stringify(config)}</pre>
      <span data-testid="who">{checking ? 'checking' : (user?.username ?? 'nobody')}</span>
    </>
  );
}

function mount() {
  render(
    <QueryClientProvider client={newQueryClient()}>
      <AuthProvider>
        <Show />
      </AuthProvider>
    </QueryClientProvider>,
  );
}

async function loadedConfig(served: unknown) {
  vi.spyOn(api, 'config').mockResolvedValue(served as Awaited<ReturnType<typeof api.config>>);
  vi.spyOn(api, 'me').mockRejectedValue(new ApiError(401, 'unauthorized', 'Sign in.'));
  mount();
  await waitFor(() => expect(api.config).toHaveBeenCalled());
  const shown = () => JSON.parse(screen.getByTestId('config').textContent ?? '{}') as Partial<AppConfig>;
  await waitFor(() => expect(shown().expiry_warning_seconds).toBe(58));
  return shown();
}

beforeEach(() => localStorage.clear());
afterEach(() => cleanup());

describe('AuthProvider config', () => {
  it("carries the server's messages for events 1 and 2, the currency and the price to the app", async () => {
    const messages = { 'booking.expiring': 'Your booking will expire in 1 minute!', 'booking.expired': 'Your booking has expired. Slot released.' };
    const config = await loadedConfig({ expiry_warning_seconds: 58, max_booking_minutes: 1440, carwash_services: ['full'], messages, currency: 'USD', price_per_hour: 3 });
    expect(config.messages).toEqual(messages);
    expect(config.currency).toBe('USD');
    expect(config.price_per_hour).toBe(3);
  });

  it('has no messages from an older server (the countdown words them itself)', async () => {
    const config = await loadedConfig({ expiry_warning_seconds: 58, max_booking_minutes: 1440, carwash_services: ['full'] });
    expect(config).not.toHaveProperty('messages');
  });
});

describe('AuthProvider sign-in state', () => {
  it('a signed-out load asks the server nothing about the user (no 401 to log)', async () => {
    vi.spyOn(api, 'config').mockResolvedValue({} as AppConfig);
    const me = vi.spyOn(api, 'me');
    mount();
    await waitFor(() => expect(screen.getByTestId('who').textContent).toBe('nobody'));
    expect(me).not.toHaveBeenCalled();
  });

  it('after a sign-in in this browser, a load asks GET /api/me/', async () => {
    signedInHint.set(true);
    vi.spyOn(api, 'config').mockResolvedValue({} as AppConfig);
    vi.spyOn(api, 'me').mockResolvedValue({ id: 3, username: 'dana', role: 'driver' });
    mount();
    await waitFor(() => expect(screen.getByTestId('who').textContent).toBe('dana'));
  });

  it('a session that ended meanwhile (401) shows the sign-in and forgets the hint', async () => {
    signedInHint.set(true);
    vi.spyOn(api, 'config').mockResolvedValue({} as AppConfig);
    vi.spyOn(api, 'me').mockRejectedValue(new ApiError(401, 'unauthenticated', 'Sign in.'));
    mount();
    await waitFor(() => expect(screen.getByTestId('who').textContent).toBe('nobody'));
    expect(signedInHint.get()).toBe(false);
  });
});
