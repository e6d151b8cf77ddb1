import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { ToastContainer, toast } from 'react-toastify';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfirmDialogHost, resetConfirmDialogs } from './components/ConfirmDialog';
import { AUTO_CLOSE_MS, isSticky, notify, VIBRATION } from './notify';

function mount() {
  return render(
    <>
      <button type="button" data-testid="outside">outside</button>
      <ToastContainer autoClose={AUTO_CLOSE_MS} newestOnTop />
      <ConfirmDialogHost />
    </>,
  );
}

let vibrate: ReturnType<typeof vi.fn>;

beforeEach(() => {
  vibrate = vi.fn(() => true);
  Object.defineProperty(navigator, 'vibrate', { value: vibrate, configurable: true, writable: true });
  window.__parkmateToasts = [];
});

afterEach(() => {
  act(() => {
    toast.dismiss();
    resetConfirmDialogs();
  });
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
    // A close button; success and info go by themselves (a running progress
    // bar), warnings and errors stay until dismissed.
    expect(toastEl.querySelector('button[aria-label="close"]')).toBeTruthy();
    const sticky = level === 'warning' || level === 'error';
    expect(toastEl.querySelector('[data-testid="toast"]')!.getAttribute('data-sticky')).toBe(String(sticky));
    const bar = toastEl.querySelector<HTMLElement>('[role="progressbar"]');
    if (sticky) expect(bar === null || bar.getAttribute('aria-hidden') === 'true').toBe(true);
    else expect(bar?.getAttribute('aria-hidden')).toBe('false');
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

  it('warnings and errors stay until dismissed; success and info do not, unless asked', () => {
    expect(isSticky('warning')).toBe(true);
    expect(isSticky('error')).toBe(true);
    expect(isSticky('success')).toBe(false);
    expect(isSticky('info')).toBe(false);
    expect(isSticky('info', { sticky: true })).toBe(true);
    expect(isSticky('warning', { sticky: false })).toBe(false);
  });

  it('a toast action runs once and closes the toast', async () => {
    mount();
    const onClick = vi.fn();
    act(() => {
      notify.warning('Your booking will expire in 5 minutes!', { action: { label: 'Renew', ariaLabel: 'Renew booking #5', onClick } });
    });
    const button = await screen.findByRole('button', { name: 'Renew booking #5' });
    expect(button.textContent).toBe('Renew');
    const toastEl = button.closest('.Toastify__toast')!;
    expect(toastEl.className).not.toMatch(/exit/);
    fireEvent.click(button);
    expect(onClick).toHaveBeenCalledTimes(1);
    // Closing starts the exit animation (which happy-dom never finishes).
    await waitFor(() => expect(toastEl.className).toMatch(/exit/));
  });

  it('confirm opens a modal dialog with the given labels and resolves true on yes', async () => {
    mount();
    let answer: Promise<boolean> = Promise.resolve(false);
    act(() => {
      answer = notify.confirm('Cancel booking #5?', { confirmLabel: 'Cancel booking', cancelLabel: 'Keep booking' });
    });
    const dialog = await screen.findByRole('alertdialog');
    expect(dialog.getAttribute('aria-modal')).toBe('true');
    expect(document.getElementById(dialog.getAttribute('aria-describedby')!)?.textContent).toBe('Cancel booking #5?');
    expect(screen.getByTestId('confirm-cancel').textContent).toBe('Keep booking');
    fireEvent.click(screen.getByRole('button', { name: 'Cancel booking' }));
    await expect(answer).resolves.toBe(true);
    expect(screen.queryByRole('alertdialog')).toBeNull();
  });

  it('confirm starts on the safe button, keeps Tab inside, and gives the focus back', async () => {
    mount();
    const outside = screen.getByTestId('outside');
    outside.focus();
    let answer: Promise<boolean> = Promise.resolve(true);
    act(() => {
      answer = notify.confirm('Really?', { confirmLabel: 'Cancel booking', cancelLabel: 'Keep booking' });
    });
    const keep = await screen.findByTestId('confirm-cancel');
    const yes = screen.getByTestId('confirm-ok');
    expect(document.activeElement).toBe(keep);
    fireEvent.keyDown(keep, { key: 'Tab' });
    expect(document.activeElement).toBe(yes);
    fireEvent.keyDown(yes, { key: 'Tab' });
    expect(document.activeElement).toBe(keep);
    fireEvent.keyDown(keep, { key: 'Tab', shiftKey: true });
    expect(document.activeElement).toBe(yes);
    fireEvent.click(keep);
    await expect(answer).resolves.toBe(false);
    expect(document.activeElement).toBe(outside);
  });

  it('confirm answers false on Escape', async () => {
    mount();
    let answer: Promise<boolean> = Promise.resolve(true);
    act(() => {
      answer = notify.confirm('Close me');
    });
    fireEvent.keyDown(await screen.findByRole('alertdialog'), { key: 'Escape' });
    await expect(answer).resolves.toBe(false);
  });

  it('asks one question at a time', async () => {
    mount();
    let first: Promise<boolean> = Promise.resolve(false);
    let second: Promise<boolean> = Promise.resolve(true);
    act(() => {
      first = notify.confirm('First?');
      second = notify.confirm('Second?');
    });
    expect((await screen.findByTestId('confirm-message')).textContent).toBe('First?');
    fireEvent.click(screen.getByTestId('confirm-ok'));
    await expect(first).resolves.toBe(true);
    expect((await screen.findByTestId('confirm-message')).textContent).toBe('Second?');
    fireEvent.click(screen.getByTestId('confirm-cancel'));
    await expect(second).resolves.toBe(false);
  });
});
