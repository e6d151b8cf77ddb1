import { QueryClientProvider, useIsFetching, type QueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Bounce, ToastContainer } from 'react-toastify';
import { AuthProvider, useAuth } from './auth';
import { ConfirmDialogHost } from './components/ConfirmDialog';
import { Header } from './components/Header';
import { ReconnectBanner } from './components/ReconnectBanner';
import { useInbox, useUnreadTitle } from './inbox';
import { newQueryClient } from './lib/queries';
import { navigate, routeHash, useRoute } from './lib/route';
import { bookingFromURL, onOpenBooking } from './push/push';
import { LiveProvider } from './live';
import { AUTO_CLOSE_MS } from './notify';
import { AdminPage } from './pages/AdminPage';
import { BookingPage } from './pages/BookingPage';
import { DriverPage } from './pages/DriverPage';
import { EmployeePage } from './pages/EmployeePage';
import { LoginPage } from './pages/LoginPage';
import { OwnerPage } from './pages/OwnerPage';
import { SettingsPage } from './pages/SettingsPage';
import type { User } from './types';

function RolePage({ user }: { user: User }) {
  switch (user.role) {
    case 'driver':
      return <DriverPage />;
    case 'owner':
      return <OwnerPage />;
    case 'employee':
      return <EmployeePage />;
    case 'admin':
      return <AdminPage />;
    default:
      return <main className="page">Unknown role.</main>;
  }
}

/**
 * useOpenBookingRequests opens the booking a clicked push notification is
 * about: from the URL the service worker opened (`/?booking=ID`), or from its
 * message to this already open tab.
 */
function useOpenBookingRequests(): void {
  useEffect(() => {
    const fromURL = bookingFromURL(location.search);
    if (fromURL !== null) {
      history.replaceState(null, '', location.pathname + routeHash({ name: 'booking', id: fromURL }));
      window.dispatchEvent(new HashChangeEvent('hashchange'));
    }
    return onOpenBooking((bookingId) => {
      window.focus();
      if (bookingId !== null) navigate({ name: 'booking', id: bookingId });
    });
  }, []);
}

/** SignedIn is the signed-in user's place: the role's page, a booking, or the settings. */
function SignedIn({ user }: { user: User }) {
  const route = useRoute();
  useOpenBookingRequests();
  const { unread } = useInbox();
  useUnreadTitle(unread);
  switch (route.name) {
    case 'booking':
      return <BookingPage key={route.id} id={route.id} />;
    case 'settings':
      return <SettingsPage />;
    default:
      return <RolePage user={user} />;
  }
}

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
  return <SignedIn key={user.id} user={user} />;
}

/** Shell is the page frame; data-fetching counts the queries loading (tests wait for 0). */
function Shell() {
  const fetching = useIsFetching();
  return (
    <div className="app" data-testid="app" data-fetching={fetching}>
      <Header />
      <ReconnectBanner />
      <Pages />
    </div>
  );
}

export function App({ queryClient }: { queryClient?: QueryClient }) {
  const [client] = useState(() => queryClient ?? newQueryClient());
  return (
    <QueryClientProvider client={client}>
      <AuthProvider>
        <LiveProvider>
          <Shell />
          <ConfirmDialogHost />
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
        </LiveProvider>
      </AuthProvider>
    </QueryClientProvider>
  );
}
