// auth.tsx: who is signed in. The session's tokens live in the API client;
// the user and organization come from GET /v1/me, like any other query.
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { useQuery } from '@tanstack/react-query';
import { api, crm, onSignedOut, queryClient, unwrap, type Schemas } from './api';

export type Me = Schemas['Me'];
export type Role = Schemas['Role'];

interface AuthState {
  signedIn: boolean;
  signIn(tenant: string, email: string, password: string): Promise<void>;
  signOut(): Promise<void>;
}

const AuthContext = createContext<AuthState | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [signedIn, setSignedIn] = useState(() => crm.session() !== null);

  useEffect(
    () =>
      onSignedOut(() => {
        queryClient.clear();
        setSignedIn(false);
      }),
    [],
  );
  // Signing out (or in) in another tab does the same here.
  useEffect(() => {
    const onStorage = (e: StorageEvent) => {
      if (e.key !== 'crm.web.session') return;
      const now = crm.session() !== null;
      if (!now) queryClient.clear();
      setSignedIn(now);
    };
    window.addEventListener('storage', onStorage);
    return () => window.removeEventListener('storage', onStorage);
  }, []);

  const state: AuthState = {
    signedIn,
    async signIn(tenant, email, password) {
      await crm.signIn(tenant, email, password);
      queryClient.clear();
      setSignedIn(true);
    },
    async signOut() {
      await crm.signOut();
      queryClient.clear();
      setSignedIn(false);
    },
  };
  return <AuthContext.Provider value={state}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const state = useContext(AuthContext);
  if (!state) throw new Error('useAuth outside AuthProvider');
  return state;
}

/** The signed-in user and organization. */
export function useMe() {
  return useQuery({
    queryKey: ['me'],
    queryFn: () => unwrap(api.GET('/v1/me')),
    staleTime: 60_000,
  });
}

/** Whether the signed-in user has one of `roles`. */
export function useHasRole(...roles: Role[]): boolean {
  const { data } = useMe();
  return !!data && roles.includes(data.user.role);
}

/** The organization slug last signed in to, to prefill the form. */
export function lastTenant(): string {
  return crm.session()?.tenant ?? localStorage.getItem('crm.web.tenant') ?? '';
}
