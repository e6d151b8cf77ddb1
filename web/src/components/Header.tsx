import { LogOut, ParkingSquare, Settings } from 'lucide-react';
import { useAuth } from '../auth';
import { useLive } from '../live';
import { InboxBell } from './InboxBell';

export function ConnectionDot({ connected }: { connected: boolean }) {
  const label = connected ? 'Live: connected' : 'Offline: reconnecting';
  return (
    <span
      className={`dot ${connected ? 'dot--on' : 'dot--off'}`}
      data-testid="ws-status"
      data-state={connected ? 'connected' : 'disconnected'}
      title={label}
      role="status"
      aria-label={label}
    />
  );
}

export function Header() {
  const { user, logout } = useAuth();
  const live = useLive();
  return (
    <header className="header">
      <a className="header__brand" href="#/" aria-label="ParkMate: home">
        <ParkingSquare size={26} aria-hidden="true" />
        <span>ParkMate</span>
      </a>
      {user && (
        <div className="header__right">
          <ConnectionDot connected={live.connected} />
          <span className="header__user" data-testid="current-user" data-role={user.role}>
            <span className="header__name">{user.username}</span>
            <span className={`role role--${user.role}`}>{user.role}</span>
          </span>
          <InboxBell />
          <a className="icon-btn" href="#/settings" data-testid="settings-link" aria-label="Settings" title="Settings">
            <Settings size={20} aria-hidden="true" />
          </a>
          <button type="button" className="icon-btn" data-testid="logout" aria-label="Sign out" title="Sign out" onClick={() => void logout()}>
            <LogOut size={20} aria-hidden="true" />
          </button>
        </div>
      )}
    </header>
  );
}
