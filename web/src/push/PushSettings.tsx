// The notification settings panel (issue 10): "Enable notifications on this
// device", a test notification, and which events are pushed.

import { Bell, BellOff, Send } from 'lucide-react';
import { useEffect, useState } from 'react';
import { errorMessage } from '../api';
import {
  disablePush, enablePush, eventLabel, getPreferences, pushState, sendTestPush, setPreference,
  type Preferences, type PushState,
} from './push';

const STATE_TEXT: Record<PushState, string> = {
  unsupported: 'This browser cannot receive notifications here (it needs HTTPS and a recent browser).',
  denied: 'Notifications are blocked for this site: allow them in the browser’s site settings.',
  off: 'This device does not get notifications while ParkMate is closed.',
  on: 'This device gets notifications while ParkMate is closed.',
};

export function PushSettings() {
  const [state, setState] = useState<PushState | null>(null);
  const [prefs, setPrefs] = useState<Preferences | null>(null);
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    void pushState().then((s) => live && setState(s));
    getPreferences().then(
      (p) => live && setPrefs(p),
      (e: unknown) => live && setNote(errorMessage(e)),
    );
    return () => {
      live = false;
    };
  }, []);

  const run = async (fn: () => Promise<void>) => {
    setBusy(true);
    setNote(null);
    try {
      await fn();
    } catch (e) {
      setNote(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  const toggleDevice = () =>
    run(async () => {
      setState(state === 'on' ? await disablePush() : await enablePush());
    });

  const test = () =>
    run(async () => {
      const results = await sendTestPush();
      const sent = results.filter((r) => r.result === 'sent').length;
      setNote(`Test notification sent to ${sent} of ${results.length} device${results.length === 1 ? '' : 's'}.`);
    });

  const toggleEvent = (event: string, on: boolean) =>
    run(async () => {
      setPrefs(await setPreference(event, on));
    });

  return (
    <section className="card" data-testid="push-settings" aria-labelledby="push-settings-title">
      <div className="card__head">
        <h2 id="push-settings-title">Notifications</h2>
      </div>
      <p data-testid="push-state" data-state={state ?? 'loading'}>
        {state ? STATE_TEXT[state] : 'Checking this device…'}
      </p>
      <div className="row">
        {state !== 'unsupported' && state !== 'denied' && (
          <button type="button" className="btn btn--primary" data-testid="push-toggle" disabled={busy || state === null} onClick={() => void toggleDevice()}>
            {state === 'on' ? <BellOff size={16} aria-hidden /> : <Bell size={16} aria-hidden />}
            {state === 'on' ? 'Stop notifications on this device' : 'Enable notifications on this device'}
          </button>
        )}
        <button type="button" className="btn" data-testid="push-test" disabled={busy} onClick={() => void test()}>
          <Send size={16} aria-hidden /> Send test notification
        </button>
      </div>
      {note && (
        <p role="status" data-testid="push-note">
          {note}
        </p>
      )}
      {prefs && (
        <fieldset data-testid="push-preferences">
          <legend>Send these to my devices</legend>
          {prefs.events.map((event) => (
            <label key={event} className="check">
              <input
                type="checkbox"
                data-testid={`push-pref-${event}`}
                checked={prefs.push[event] ?? false}
                disabled={busy}
                onChange={(e) => void toggleEvent(event, e.target.checked)}
              />{' '}
              {eventLabel(event)}
            </label>
          ))}
        </fieldset>
      )}
    </section>
  );
}
