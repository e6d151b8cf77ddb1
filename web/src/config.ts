// Build-time settings. VITE_API_BASE_URL (default "/api") and VITE_WS_URL
// (default: derived from the page's location) let the app talk to a server on
// another origin; by default everything is same-origin. And the run-time
// settings the server sends (GET /api/config/), over their defaults.

import { DEFAULT_CONFIG, TIMER_EVENTS, type AppConfig, type EventMessages } from './types';

function env(name: string): string | undefined {
  const value = (import.meta.env as Record<string, string | undefined>)[name];
  return value && value.trim() !== '' ? value.trim() : undefined;
}

export const API_BASE_URL: string = (env('VITE_API_BASE_URL') ?? '/api').replace(/\/+$/, '');
export const WS_URL: string | undefined = env('VITE_WS_URL');

/**
 * appConfig is the server's GET /api/config/ answer over the defaults. Of
 * `messages` it keeps only the timer events' non-empty texts; without any it
 * leaves `messages` out, as from an older server that does not send it.
 */
export function appConfig(served: Partial<AppConfig> | null | undefined): AppConfig {
  const { messages, ...rest } = served ?? {};
  const config: AppConfig = { ...DEFAULT_CONFIG, ...rest };
  const kept: EventMessages = {};
  for (const event of TIMER_EVENTS) {
    const text = (messages as Record<string, unknown> | undefined)?.[event];
    if (typeof text === 'string' && text.trim() !== '') kept[event] = text;
  }
  if (Object.keys(kept).length) config.messages = kept;
  return config;
}
