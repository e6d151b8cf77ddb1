// The toast policy: which tab of a browser shows a notification.
//
// - Your own action: the tab that acted shows the REST answer as its
//   confirmation (it marked the action's events with TabPresence.begin). When
//   the server's notification for it arrives there, that tab claims it (so no
//   tab toasts it later) and shows nothing more; every other tab sees the
//   action's lock held and shows nothing.
// - A notification the server marks data.own_action (it answers the
//   user's own request, e.g. a renewal) shows in no tab that did not act:
//   not another tab, not another device. It is still in the inbox.
// - Anything else: the visible tab shows it; a hidden tab leaves it to a
//   visible one. With no visible tab, the first hidden tab to claim it shows
//   it, and also as a system notification when the user allowed them.
// - Every tab claims through ToastClaims, so nothing shows twice in one
//   browser, across reloads, or after the browser's own timer showed it.

import type { Notification } from '../types';
import { claimKeysForFrame, type ToastClaims } from './claims';
import { actionKey, type TabPresence } from './presence';

export interface ToastRouterDeps {
  claims: ToastClaims;
  /** This tab's presence, or how to get the current one (it is replaced after a close). */
  presence: TabPresence | (() => TabPresence);
  /** Shows the toast of a notification in this tab. */
  toast: (n: Notification) => void;
  /** Shows a system notification (called only when this tab is hidden). */
  system?: (n: Notification) => void;
  /** Told every decision (tests and debugging read them). */
  onDecision?: (n: Notification, decision: Decision) => void;
}

/**
 * Decision is why a tab did or did not show a notification: 'shown', 'own'
 * (this tab acted: its REST answer was the confirmation), 'acting-elsewhere'
 * (another tab of this browser acted), 'stale', 'visible-elsewhere' (this
 * tab is hidden and another is visible) or 'claimed' (another tab, an
 * earlier page or the browser's timer showed it).
 */
export type Decision = 'shown' | 'own' | 'acting-elsewhere' | 'stale' | 'visible-elsewhere' | 'claimed';

/** ownActionKey is the action key a notification answers, if it is about a booking. */
export function ownActionKey(n: Pick<Notification, 'event' | 'data'>): string | null {
  const bookingId = n.data?.['booking_id'];
  if (!n.event || (typeof bookingId !== 'number' && typeof bookingId !== 'string')) return null;
  return actionKey(n.event, bookingId);
}

export class ToastRouter {
  constructor(private readonly d: ToastRouterDeps) {}

  private get presence(): TabPresence {
    return typeof this.d.presence === 'function' ? this.d.presence() : this.d.presence;
  }

  /** close lets go of the tab's presence (sign-out). */
  close(): void {
    this.presence.close();
  }

  /** route decides for one notification frame; it resolves true when this tab showed it. */
  async route(n: Notification, info: { stale: boolean } = { stale: false }): Promise<boolean> {
    const decision = await this.decide(n, info.stale);
    this.d.onDecision?.(n, decision);
    if (decision !== 'shown') return false;
    this.d.toast(n);
    if (this.presence.isHidden()) this.d.system?.(n);
    return true;
  }

  private async decide(n: Notification, stale: boolean): Promise<Decision> {
    const { claims } = this.d;
    const presence = this.presence;
    const keys = claimKeysForFrame(n);
    const act = ownActionKey(n);
    if (act && presence.owns(act)) {
      // Ours: the REST answer was the confirmation. Claim it so no tab shows it later.
      await claims.claimAll(keys);
      presence.settle(act);
      return 'own';
    }
    if (act && (await presence.actingElsewhere(act))) return 'acting-elsewhere';
    if (n.data?.['own_action'] === true) return 'acting-elsewhere'; // another device acted
    if (stale) return 'stale';
    if (await presence.visibleElsewhere()) return 'visible-elsewhere';
    return (await claims.claimAll(keys)) ? 'shown' : 'claimed';
  }

  /**
   * routeTimer shows an event of the browser's own timer (expiry warning,
   * expiry), given as a notification without an id, under its claim key, by
   * the same visibility rule.
   */
  async routeTimer(key: string, n: Notification): Promise<boolean> {
    const { claims } = this.d;
    const presence = this.presence;
    if (await presence.visibleElsewhere()) return false;
    if (!(await claims.claim(key))) return false;
    this.d.toast(n);
    if (presence.isHidden()) this.d.system?.(n);
    return true;
  }
}
