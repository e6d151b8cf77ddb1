// Build-time settings. VITE_API_BASE_URL (default "/api") and VITE_WS_URL
// (default: derived from the page's location) let the app talk to a server on
// another origin; by default everything is same-origin.

function env(name: string): string | undefined {
  const value = (import.meta.env as Record<string, string | undefined>)[name];
  return value && value.trim() !== '' ? value.trim() : undefined;
}

export const API_BASE_URL: string = (env('VITE_API_BASE_URL') ?? '/api').replace(/\/+$/, '');
export const WS_URL: string | undefined = env('VITE_WS_URL');
