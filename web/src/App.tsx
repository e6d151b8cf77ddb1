import { Bounce, ToastContainer } from 'react-toastify';
import { AuthProvider, useAuth } from './auth';
import { Header } from './components/Header';
import { InboxProvider } from './inbox';
import { AUTO_CLOSE_MS } from './notify';
import { AdminPage } from './pages/AdminPage';
import { DriverPage } from './pages/DriverPage';
import { EmployeePage } from './pages/EmployeePage';
import { LoginPage } from './pages/LoginPage';
import { OwnerPage } from './pages/OwnerPage';

function Pages() {
  const { user, checking } = useAuth();
  if (checking) {
    return (
      <main className="page page--center" aria-busy="true" data-testid="loading">
        <p className="muted">Loading…</p>
      </main>
    );
  }
  if (!user) return <LoginPage />;
  switch (user.role) {
    case 'driver':
      return <DriverPage key={user.id} />;
    case 'owner':
      return <OwnerPage key={user.id} />;
    case 'employee':
      return <EmployeePage key={user.id} />;
    case 'admin':
      return <AdminPage key={user.id} />;
    default:
      return <main className="page">Unknown role.</main>;
  }
}

export function App() {
  return (
    <AuthProvider>
      <InboxProvider>
        <div className="app">
          <Header />
          <Pages />
        </div>
        <ToastContainer
          position="top-right"
          autoClose={AUTO_CLOSE_MS}
          hideProgressBar={false}
          newestOnTop
          closeOnClick={false}
          pauseOnFocusLoss={false}
          pauseOnHover
          draggable
          limit={6}
          theme="light"
          transition={Bounce}
        />
      </InboxProvider>
    </AuthProvider>
  );
}
