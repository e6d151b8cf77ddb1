// notify: the design's five methods (success, error, warning, info, confirm).
// Each level shows a react-toastify toast (auto-dismiss after 4 s with a
// progress bar, a close button, stacked, non-blocking) with its lucide icon,
// and vibrates with its own pattern where navigator.vibrate exists. Messages
// are rendered as React text, never as HTML.

import { AlertTriangle, CheckCircle, Info, XCircle, type LucideIcon } from 'lucide-react';
import { toast, type Id } from 'react-toastify';
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
}

declare global {
  interface Window {
    /** The last toasts this page showed, newest last (read by the e2e tests). */
    __parkmateToasts?: ToastRecord[];
  }
}

function record(level: ToastRecord['level'], message: string): void {
  if (typeof window === 'undefined') return;
  const log = (window.__parkmateToasts ??= []);
  log.push({ level, message, at: Date.now() });
  if (log.length > 200) log.splice(0, log.length - 200);
}

function ToastBody({ level, message }: { level: Level; message: string }) {
  return (
    <div className="toast-body" data-testid="toast" data-level={level}>
      <span data-testid="toast-message">{message}</span>
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

function show(level: Level, message: unknown): Id {
  const text = toastText(message);
  record(level, text);
  vibrate(VIBRATION[level]);
  return toast(<ToastBody level={level} message={text} />, {
    type: level,
    icon: <LevelIcon level={level} />,
    autoClose: AUTO_CLOSE_MS,
    hideProgressBar: false,
    closeButton: true,
    role: level === 'error' || level === 'warning' ? 'alert' : 'status',
    className: `pm-toast pm-toast--${level}`,
  });
}

function ConfirmBody({
  message,
  onAnswer,
}: {
  message: string;
  onAnswer: (ok: boolean) => void;
}) {
  return (
    <div className="confirm" data-testid="confirm" role="alertdialog" aria-label={message}>
      <p className="confirm__message" data-testid="confirm-message">
        {message}
      </p>
      <div className="confirm__actions">
        <button type="button" className="btn btn--ghost" data-testid="confirm-cancel" onClick={() => onAnswer(false)}>
          Cancel
        </button>
        <button type="button" className="btn btn--primary" data-testid="confirm-ok" onClick={() => onAnswer(true)} autoFocus>
          OK
        </button>
      </div>
    </div>
  );
}

/** confirm asks with a toast that has OK and Cancel; closing it answers false. */
function confirm(message: string): Promise<boolean> {
  const text = String(message ?? '');
  record('confirm', text);
  vibrate(VIBRATION.confirm);
  return new Promise<boolean>((resolve) => {
    let answered = false;
    const answer = (ok: boolean) => {
      if (answered) return;
      answered = true;
      resolve(ok);
      toast.dismiss(id);
    };
    const id: Id = toast(<ConfirmBody message={text} onAnswer={answer} />, {
      type: 'default',
      icon: <LevelIcon level="warning" />,
      autoClose: false,
      closeOnClick: false,
      draggable: false,
      closeButton: true,
      className: 'pm-toast pm-toast--confirm',
      onClose: () => answer(false),
    });
  });
}

export const notify = {
  success: (message: string) => show('success', message),
  error: (message: string) => show('error', message),
  warning: (message: string) => show('warning', message),
  info: (message: string) => show('info', message),
  confirm,
};

export type Notify = typeof notify;

export default notify;
