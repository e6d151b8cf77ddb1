import { LogOut, ParkingSquare } from 'lucide-react';
import { useAuth } from '../auth';
import { useInbox } from '../inbox';
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
  const inbox = useInbox();
  return (
    <header className="header">
      <div className="header__brand">
        <ParkingSquare size={26} aria-hidden="true" />
        <span>ParkMate</span>
      </div>
      {user && (
        <div className="header__right">
          <ConnectionDot connected={inbox.isConnected} />
          <span className="header__user" data-testid="current-user" data-role={user.role}>
            <span className="header__name">{user.username}</span>
            <span className={`role role--${user.role}`}>{user.role}</span>
          </span>
          <InboxBell />
          <button type="button" className="icon-btn" data-testid="logout" aria-label="Sign out" title="Sign out" onClick={() => void logout()}>
            <LogOut size={20} aria-hidden="true" />
          </button>
        </div>
      )}
    </header>
  );
}
