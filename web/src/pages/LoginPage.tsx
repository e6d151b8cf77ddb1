import { LogIn, UserPlus } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { errorMessage } from '../api';
import { useAuth } from '../auth';
import { useBusy } from '../components/common';

export function LoginPage() {
  const { login, register } = useAuth();
  const [mode, setMode] = useState<'login' | 'register'>(() =>
    typeof location !== 'undefined' && location.hash === '#register' ? 'register' : 'login',
  );
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, run] = useBusy();

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    void run(async () => {
      try {
        if (mode === 'login') await login(username.trim(), password);
        else await register(username.trim(), password);
        if (location.hash) history.replaceState(null, '', location.pathname + location.search);
      } catch (err) {
        setError(errorMessage(err));
      }
    });
  };

  const switchMode = (m: 'login' | 'register') => {
    setMode(m);
    setError(null);
    history.replaceState(null, '', m === 'register' ? '#register' : location.pathname + location.search);
  };

  return (
    <main className="auth">
      <div className="auth__intro">
        <h1>ParkMate Notify</h1>
        <p className="muted">Find a free slot, book it, and get told the moment anything about your parking changes.</p>
      </div>
      <form className="card auth__card" onSubmit={submit} data-testid={mode === 'login' ? 'login-form' : 'register-form'}>
        <div className="tabs" role="tablist">
          <button type="button" role="tab" aria-selected={mode === 'login'} className={`tab ${mode === 'login' ? 'tab--on' : ''}`} onClick={() => switchMode('login')} data-testid="tab-login">
            Sign in
          </button>
          <button type="button" role="tab" aria-selected={mode === 'register'} className={`tab ${mode === 'register' ? 'tab--on' : ''}`} onClick={() => switchMode('register')} data-testid="tab-register">
            Register
          </button>
        </div>
        <label className="field">
          <span>Username</span>
          <input
            name="username"
            autoComplete="username"
            data-testid="username"
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            required
            minLength={3}
            maxLength={32}
            pattern="[A-Za-z0-9_.\-]+"
            title="3 to 32 letters, digits, _ . or -"
          />
        </label>
        <label className="field">
          <span>Password</span>
          <input
            name="password"
            type="password"
            autoComplete={mode === 'login' ? 'current-password' : 'new-password'}
            data-testid="password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
            minLength={mode === 'register' ? 8 : 1}
            maxLength={72}
          />
        </label>
        {mode === 'register' && <p className="muted small">New accounts are drivers. At least 8 characters.</p>}
        {error && (
          <p className="error-line" role="alert" data-testid="auth-error">
            {error}
          </p>
        )}
        <button type="submit" className="btn btn--primary btn--block" disabled={busy} data-testid="auth-submit">
          {mode === 'login' ? <LogIn size={18} aria-hidden="true" /> : <UserPlus size={18} aria-hidden="true" />}
          {mode === 'login' ? 'Sign in' : 'Create account'}
        </button>
      </form>
    </main>
  );
}
