import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { ToastContainer, toast } from 'react-toastify';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AUTO_CLOSE_MS, notify, VIBRATION } from './notify';

function mount() {
  return render(<ToastContainer autoClose={AUTO_CLOSE_MS} newestOnTop />);
}

let vibrate: ReturnType<typeof vi.fn>;

beforeEach(() => {
  vibrate = vi.fn(() => true);
  Object.defineProperty(navigator, 'vibrate', { value: vibrate, configurable: true, writable: true });
  window.__parkmateToasts = [];
});

afterEach(() => {
  act(() => toast.dismiss());
  cleanup();
});

describe('notify', () => {
  it('has the five methods of the design', () => {
    expect(Object.keys(notify).sort()).toEqual(['confirm', 'error', 'info', 'success', 'warning']);
  });

  it.each([
    ['success', 'Booking renewed successfully!'],
    ['error', 'Booking renewal failed: slot taken'],
    ['warning', 'Your booking will expire in 5 minutes!'],
    ['info', 'Your booking has expired. Slot released.'],
  ] as const)('%s shows a toast with its icon and vibrates with its pattern', async (level, message) => {
    mount();
    act(() => {
      notify[level](message);
    });
    const body = await screen.findByText(message);
    const toastEl = body.closest('.Toastify__toast')!;
    expect(toastEl).toBeTruthy();
    expect(toastEl.querySelector(`[data-testid="icon-${level}"]`)).toBeTruthy();
    expect(toastEl.querySelector('[data-testid="toast"]')!.getAttribute('data-level')).toBe(level);
    // A close button and a progress bar (auto-dismiss).
    expect(toastEl.querySelector('button[aria-label="close"]')).toBeTruthy();
    expect(toastEl.querySelector('[role="progressbar"]')).toBeTruthy();
    expect(vibrate).toHaveBeenCalledWith(VIBRATION[level]);
    expect(window.__parkmateToasts?.map((t) => t.message)).toEqual([message]);
  });

  it('gives each level a different vibration pattern', () => {
    const patterns = ['success', 'error', 'warning', 'info'].map((l) => JSON.stringify(VIBRATION[l as 'info']));
    expect(new Set(patterns).size).toBe(4);
  });

  it('shows what a message of another type says, never "[object Object]"', () => {
    mount();
    act(() => {
      notify.error(new Error('Network down') as unknown as string);
      notify.info({ code: 7 } as unknown as string);
      notify.info(42 as unknown as string);
    });
    expect(window.__parkmateToasts?.map((t) => t.message)).toEqual(['Network down', '{"code":7}', '42']);
  });

  it('renders messages as text, never as HTML', async () => {
    mount();
    const evil = '<img src=x onerror="window.__pwned=1"><b>bold</b>';
    act(() => {
      notify.info(evil);
    });
    const el = await screen.findByText(evil);
    expect(el.querySelector('img')).toBeNull();
    expect(el.querySelector('b')).toBeNull();
    expect((window as unknown as { __pwned?: number }).__pwned).toBeUndefined();
  });

  it('stacks several toasts', async () => {
    mount();
    act(() => {
      notify.success('one');
      notify.error('two');
      notify.info('three');
    });
    await screen.findByText('three');
    expect(document.querySelectorAll('.Toastify__toast')).toHaveLength(3);
  });

  it('auto-dismisses after about 4 seconds, driven by its progress bar', async () => {
    expect(AUTO_CLOSE_MS).toBe(4000);
    mount();
    act(() => {
      notify.success('bye soon');
    });
    await screen.findByText('bye soon');
    const bar = document.querySelector('[role="progressbar"]') as HTMLElement;
    expect(bar.style.animationDuration).toBe('4000ms');
    expect(bar.getAttribute('aria-hidden')).toBe('false');
  });

  it('works where navigator.vibrate does not exist', async () => {
    Object.defineProperty(navigator, 'vibrate', { value: undefined, configurable: true, writable: true });
    mount();
    act(() => {
      notify.warning('no buzz');
    });
    expect(await screen.findByText('no buzz')).toBeTruthy();
  });

  it('confirm resolves true on OK', async () => {
    mount();
    let answer: Promise<boolean> = Promise.resolve(false);
    act(() => {
      answer = notify.confirm('Cancel booking #5?');
    });
    expect(await screen.findByText('Cancel booking #5?')).toBeTruthy();
    fireEvent.click(screen.getByTestId('confirm-ok'));
    await expect(answer).resolves.toBe(true);
  });

  it('confirm resolves false on Cancel', async () => {
    mount();
    let answer: Promise<boolean> = Promise.resolve(true);
    act(() => {
      answer = notify.confirm('Really?');
    });
    fireEvent.click(await screen.findByTestId('confirm-cancel'));
    await expect(answer).resolves.toBe(false);
  });

  it('confirm resolves false when the toast is closed', async () => {
    mount();
    let answer: Promise<boolean> = Promise.resolve(true);
    act(() => {
      answer = notify.confirm('Close me');
    });
    const el = await screen.findByText('Close me');
    const close = el.closest('.Toastify__toast')!.querySelector('button[aria-label="close"]') as HTMLElement;
    fireEvent.click(close);
    await waitFor(() => expect(answer).resolves.toBe(false));
  });
});
