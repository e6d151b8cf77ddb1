import { describe, expect, it } from 'vitest';
import { notificationsUrl, wsBase } from './wsUrl';

const http = { protocol: 'http:', host: 'park.example:8000' };
const https = { protocol: 'https:', host: 'park.example' };

describe('wsBase', () => {
  it('derives ws:// or wss:// from the page location', () => {
    expect(wsBase(undefined, http)).toBe('ws://park.example:8000');
    expect(wsBase(undefined, https)).toBe('wss://park.example');
  });
  it('normalises an explicit VITE_WS_URL', () => {
    expect(wsBase('ws://127.0.0.1:8000/', http)).toBe('ws://127.0.0.1:8000');
    expect(wsBase('https://api.example', http)).toBe('wss://api.example');
    expect(wsBase('http://api.example', http)).toBe('ws://api.example');
    expect(wsBase('/realtime', https)).toBe('wss://park.example/realtime');
  });
});

describe('notificationsUrl', () => {
  it('builds the path with proto=2 and since, and no credentials', () => {
    const url = notificationsUrl({ location: https, userId: 7, since: 42, proto: 2 });
    expect(url).toBe('wss://park.example/ws/notifications/7/?proto=2&since=42');
    expect(url).not.toMatch(/token|access|jwt/i);
  });
  it('omits since when nothing was seen yet, keeps since=0', () => {
    expect(notificationsUrl({ location: http, userId: 3, since: null, proto: 2 })).toBe(
      'ws://park.example:8000/ws/notifications/3/?proto=2',
    );
    expect(notificationsUrl({ location: http, userId: 3, since: 0 })).toBe('ws://park.example:8000/ws/notifications/3/?since=0');
  });
  it('accepts a base ending in /ws', () => {
    expect(notificationsUrl({ base: 'wss://h/ws', location: http, userId: 1, proto: 2 })).toBe('wss://h/ws/notifications/1/?proto=2');
  });
});
