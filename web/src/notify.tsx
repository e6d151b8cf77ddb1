// notify: the design's five methods (success, error, warning, info, confirm).
// Each level shows a react-toastify toast (a close button, stacked,
// non-blocking) with its lucide icon, and vibrates with its own pattern where
// navigator.vibrate exists. Success and info go away after 4 s (with a
// progress bar); warnings and errors stay until dismissed. A toast may carry
// one action button (the expiry warning's "Renew"). confirm opens the
// accessible dialog of components/ConfirmDialog.tsx. Messages are rendered as
// React text, never as HTML.

import { AlertTriangle, CheckCircle, Info, XCircle, type LucideIcon } from 'lucide-react';
import { toast, type Id } from 'react-toastify';
import { askConfirm, type ConfirmOptions } from './components/ConfirmDialog';
import type { Level } from './types';

export const AUTO_CLOSE_MS = 4000;

export const ICONS: Record<Level, LucideIcon> = {
  success: CheckCircle,
  error: XCircle,
  warning: AlertTriangle,
  info: Info,
};

/** Vibration patterns (ms on, off, on...) per level. */
export const VIBRATION: Record<Level | 'confirm', number[]> = {
  success: [80],
  info: [40],
  warning: [150, 80, 150],
  error: [250, 100, 250, 100, 250],
  confirm: [60, 40, 60],
};

const LABELS: Record<Level, string> = {
  success: 'Success',
  error: 'Error',
  warning: 'Warning',
  info: 'Information',
};

export function vibrate(pattern: number[]): boolean {
  try {
    const nav = typeof navigator !== 'undefined' ? navigator : undefined;
    if (nav && typeof nav.vibrate === 'function') return nav.vibrate(pattern);
  } catch {
    /* some browsers throw without a user gesture */
  }
  return false;
}

export function LevelIcon({ level, size = 20 }: { level: Level; size?: number }) {
  const Icon = ICONS[level];
  return (
    <Icon
      size={size}
      className={`level-icon level-icon--${level}`}
      data-testid={`icon-${level}`}
      aria-label={LABELS[level]}
      role="img"
    />
  );
}

export interface ToastRecord {
  level: Level | 'confirm';
  message: string;
  at: number;
  /** True when it stays until dismissed. */
  sticky?: boolean;
}

/** ToastAction is a toast's one action button; clicking it also closes the toast. */
export interface ToastAction {
  label: string;
  /** Its accessible name when the label alone is not enough. */
  ariaLabel?: string;
  onClick: () => unknown;
}

export interface ToastOptions {
  action?: ToastAction;
  /** Stay until dismissed (default: warnings and errors do, success and info do not). */
  sticky?: boolean;
}

/** isSticky tells whether a toast of level stays until dismissed. */
export function isSticky(level: Level, opts: ToastOptions = {}): boolean {
  return opts.sticky ?? (level === 'error' || level === 'warning');
}

declare global {
  interface Window {
    /** The last toasts this page showed, newest last (read by the e2e tests). */
    __parkmateToasts?: ToastRecord[];
  }
}

function record(level: ToastRecord['level'], message: string, sticky?: boolean): void {
  if (typeof window === 'undefined') return;
  const log = (window.__parkmateToasts ??= []);
  log.push({ level, message, at: Date.now(), ...(sticky === undefined ? {} : { sticky }) });
  if (log.length > 200) log.splice(0, log.length - 200);
}

function ToastBody({
  level,
  message,
  sticky,
  action,
  closeToast,
}: {
  level: Level;
  message: string;
  sticky: boolean;
  action?: ToastAction;
  closeToast?: () => void;
}) {
  return (
    <div className="toast-body" data-testid="toast" data-level={level} data-sticky={sticky ? 'true' : 'false'}>
      <span data-testid="toast-message">{message}</span>
      {action && (
        <button
          type="button"
          className="btn btn--small toast-action"
          data-testid="toast-action"
          aria-label={action.ariaLabel}
          onClick={() => {
            closeToast?.();
            void action.onClick();
          }}
        >
          {action.label}
        </button>
      )}
    </div>
  );
}

/** toastText is what a toast shows for a message of any type: never "[object Object]". */
function toastText(message: unknown): string {
  switch (typeof message) {
    case 'string':
      return message;
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(message);
    case 'object':
      if (message === null) return '';
      if (message instanceof Error) return message.message;
      try {
        return JSON.stringify(message);
      } catch {
        return '';
      }
    default:
      return '';
  }
}

function show(level: Level, message: unknown, opts: ToastOptions = {}): Id {
  const text = toastText(message);
  const sticky = isSticky(level, opts);
  record(level, text, sticky);
  vibrate(VIBRATION[level]);
  return toast(({ closeToast }) => <ToastBody level={level} message={text} sticky={sticky} action={opts.action} closeToast={closeToast} />, {
    type: level,
    icon: <LevelIcon level={level} />,
    autoClose: sticky ? false : AUTO_CLOSE_MS,
    hideProgressBar: sticky,
    closeButton: true,
    role: level === 'error' || level === 'warning' ? 'alert' : 'status',
    className: `pm-toast pm-toast--${level}`,
  });
}

/**
 * confirm asks in an accessible dialog (focus kept inside, Escape or the
 * cancel button answers false); the labels default to OK and Cancel.
 */
function confirm(message: string, opts: Omit<ConfirmOptions, 'message'> = {}): Promise<boolean> {
  const text = String(message ?? '');
  record('confirm', text);
  vibrate(VIBRATION.confirm);
  return askConfirm({ ...opts, message: text });
}

export const notify = {
  success: (message: string, opts?: ToastOptions) => show('success', message, opts),
  error: (message: string, opts?: ToastOptions) => show('error', message, opts),
  warning: (message: string, opts?: ToastOptions) => show('warning', message, opts),
  info: (message: string, opts?: ToastOptions) => show('info', message, opts),
  confirm,
};

export type Notify = typeof notify;

export default notify;
