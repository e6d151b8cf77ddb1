// The confirmation dialog behind notify.confirm: a modal dialog (role
// "alertdialog", aria-modal) that keeps the keyboard focus inside it (Tab and
// Shift+Tab cycle through its buttons), answers false on Escape, on its
// cancel button or a click outside, starts on the safe (cancel) button, and
// gives the focus back to where it was. One question at a time: a second
// one waits for the first.

import { useEffect, useRef, useSyncExternalStore, type KeyboardEvent } from 'react';

export interface ConfirmOptions {
  message: string;
  title?: string;
  /** The button that says yes (default "OK"), e.g. "Cancel booking". */
  confirmLabel?: string;
  /** The button that says no (default "Cancel"), e.g. "Keep booking". */
  cancelLabel?: string;
  /** The yes button looks dangerous. */
  danger?: boolean;
}

interface Question extends ConfirmOptions {
  id: number;
  resolve: (ok: boolean) => void;
}

let asked = 0;
let queue: Question[] = [];
const listeners = new Set<() => void>();
const emit = () => listeners.forEach((fn) => fn());

function subscribe(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

const current = (): Question | null => queue[0] ?? null;

/** askConfirm queues a question; it resolves with the answer. */
export function askConfirm(opts: ConfirmOptions): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    queue = [...queue, { ...opts, id: ++asked, resolve }];
    emit();
  });
}

function answer(q: Question, ok: boolean): void {
  if (queue[0] !== q) return;
  queue = queue.slice(1);
  q.resolve(ok);
  emit();
}

const FOCUSABLE = 'button:not([disabled]), [href], input:not([disabled]), select:not([disabled]), [tabindex]:not([tabindex="-1"])';

function Dialog({ q }: { q: Question }) {
  const box = useRef<HTMLDivElement>(null);
  const cancelBtn = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    cancelBtn.current?.focus();
    return () => {
      if (before && typeof before.focus === 'function' && document.contains(before)) before.focus();
    };
  }, [q]);

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      answer(q, false);
      return;
    }
    if (e.key !== 'Tab' || !box.current) return;
    const items = [...box.current.querySelectorAll<HTMLElement>(FOCUSABLE)];
    if (!items.length) return;
    const i = items.indexOf(document.activeElement as HTMLElement);
    const next = e.shiftKey ? (i <= 0 ? items.length - 1 : i - 1) : i === items.length - 1 || i < 0 ? 0 : i + 1;
    e.preventDefault();
    items[next].focus();
  };

  return (
    <div className="modal" data-testid="confirm-backdrop" onMouseDown={(e) => e.target === e.currentTarget && answer(q, false)}>
      <div
        ref={box}
        className="modal__box"
        role="alertdialog"
        aria-modal="true"
        aria-labelledby="confirm-title"
        aria-describedby="confirm-message"
        data-testid="confirm"
        onKeyDown={onKeyDown}
      >
        <h2 id="confirm-title" className="modal__title">
          {q.title ?? 'Please confirm'}
        </h2>
        <p id="confirm-message" className="modal__message" data-testid="confirm-message">
          {q.message}
        </p>
        <div className="modal__actions">
          <button ref={cancelBtn} type="button" className="btn" data-testid="confirm-cancel" onClick={() => answer(q, false)}>
            {q.cancelLabel ?? 'Cancel'}
          </button>
          <button
            type="button"
            className={`btn ${q.danger ? 'btn--danger' : 'btn--primary'}`}
            data-testid="confirm-ok"
            onClick={() => answer(q, true)}
          >
            {q.confirmLabel ?? 'OK'}
          </button>
        </div>
      </div>
    </div>
  );
}

/** ConfirmDialogHost shows the question asked first, if any; mount it once. */
export function ConfirmDialogHost() {
  const q = useSyncExternalStore(subscribe, current, current);
  return q ? <Dialog key={q.id} q={q} /> : null;
}

/** resetConfirmDialogs answers every open question with false (sign-out, tests). */
export function resetConfirmDialogs(): void {
  const open = queue;
  queue = [];
  open.forEach((q) => q.resolve(false));
  emit();
}
