import { cleanup, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { api, ApiError } from './api';
import { AuthProvider, useAuth } from './auth';
import type { AppConfig } from './types';

function ShowConfig() {
  const { config } = useAuth();
  return <pre data-testid="config">{JSON.stringify(config)}</pre>;
}

async function loadedConfig(served: unknown) {
  vi.spyOn(api, 'config').mockResolvedValue(served as Awaited<ReturnType<typeof api.config>>);
  vi.spyOn(api, 'me').mockRejectedValue(new ApiError(401, 'unauthorized', 'Sign in.'));
  render(
    <AuthProvider>
      <ShowConfig />
    </AuthProvider>,
  );
  await waitFor(() => expect(api.config).toHaveBeenCalled());
  const shown = () => JSON.parse(screen.getByTestId('config').textContent ?? '{}') as Partial<AppConfig>;
  await waitFor(() => expect(shown().expiry_warning_seconds).toBe(58));
  return shown();
}

afterEach(() => cleanup());

describe('AuthProvider config', () => {
  it("carries the server's messages for events 1 and 2 to the app", async () => {
    const messages = { 'booking.expiring': 'Your booking will expire in 1 minute!', 'booking.expired': 'Your booking has expired. Slot released.' };
    const config = await loadedConfig({ expiry_warning_seconds: 58, max_booking_minutes: 1440, carwash_services: ['full'], messages });
    expect(config.messages).toEqual(messages);
  });

  it('has no messages from an older server (the countdown words them itself)', async () => {
    const config = await loadedConfig({ expiry_warning_seconds: 58, max_booking_minutes: 1440, carwash_services: ['full'] });
    expect(config).not.toHaveProperty('messages');
  });
});
