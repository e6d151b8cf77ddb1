import { ArrowLeft, BellRing, Settings } from 'lucide-react';
import { useState, type ReactNode } from 'react';
import { Section } from '../components/common';
import { PushSettings } from '../push/PushSettings';

type Permission = NotificationPermission | 'unsupported';

function currentPermission(): Permission {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

const SAYS: Record<Permission, string> = {
  granted: 'On: while ParkMate is in a background tab, notifications also appear as system notifications.',
  denied: 'Blocked in this browser. Allow notifications for this site in the browser’s settings to turn them on.',
  default: 'Off. Turn them on to be told while ParkMate is in a background tab.',
  unsupported: 'This browser cannot show system notifications.',
};

/** SystemNotificationsPanel asks the browser for permission to show system notifications. */
function SystemNotificationsPanel() {
  const [permission, setPermission] = useState<Permission>(currentPermission);
  const ask = async () => {
    if (typeof Notification === 'undefined') return;
    setPermission(await Notification.requestPermission());
  };
  return (
    <Section title={<><BellRing size={20} aria-hidden="true" /> System notifications</>} testId="settings-system">
      <p className="muted" data-testid="system-permission" data-permission={permission}>
        {SAYS[permission]}
      </p>
      {permission === 'default' && (
        <button type="button" className="btn btn--primary" onClick={() => void ask()} data-testid="system-allow">
          Allow system notifications
        </button>
      )}
    </Section>
  );
}

/**
 * SETTINGS_PANELS are the settings page's sections, in order. A new panel
 * (e.g. push notifications) adds itself here.
 */
export const SETTINGS_PANELS: Array<{ id: string; render: () => ReactNode }> = [
  { id: 'push', render: () => <PushSettings /> },
  { id: 'system-notifications', render: () => <SystemNotificationsPanel /> },
];

/** SettingsPage (#/settings): the notification settings of this browser. */
export function SettingsPage() {
  return (
    <main className="page" data-testid="settings-page">
      <p>
        <a href="#/" className="back-link" data-testid="back">
          <ArrowLeft size={16} aria-hidden="true" /> Back
        </a>
      </p>
      <h1 className="page__title">
        <Settings size={22} aria-hidden="true" /> Settings
      </h1>
      {SETTINGS_PANELS.map((p) => (
        <div key={p.id}>{p.render()}</div>
      ))}
    </main>
  );
}
