import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { api, ApiError, configureUsagerToken } from '../api/client';
import type { RdvRecap } from '../api/types';

const TOKEN = 'lapin.usager';
/** The FranceConnect sign-in this tab started: its state, the organisation it started from and where to come back. */
const FRANCECONNECT = 'lapin.franceconnect';

export interface UsagerAccount {
  id: string;
  email: string;
  first_name: string;
  last_name: string;
  birth_name: string | null;
  birth_date: string | null;
  phone_number: string | null;
  has_password: boolean;
  franceconnect: boolean;
  /** Certified by FranceConnect: shown, never changed. */
  certified_fields: string[];
}

export type AccountChanges = Partial<Pick<UsagerAccount, 'first_name' | 'last_name' | 'birth_name' | 'birth_date' | 'phone_number'>>;

interface StartedFranceConnect {
  state: string;
  organisationSlug: string | null;
  returnTo: string;
}

/**
 * The usager signed in to their account (espace usager), by password or FranceConnect.
 * The token lives in sessionStorage: it ends with the tab; the platform's TTL bounds it anyway.
 */
export const useUsagerStore = defineStore('usager', () => {
  const token = ref<string | null>(sessionStorage.getItem(TOKEN));
  const account = ref<UsagerAccount | null>(null);
  configureUsagerToken(() => token.value);

  const signedIn = computed(() => token.value !== null);

  async function open(answer: { token: string }): Promise<void> {
    token.value = answer.token;
    sessionStorage.setItem(TOKEN, answer.token);
    await loadAccount();
  }

  function forget(): void {
    token.value = null;
    account.value = null;
    sessionStorage.removeItem(TOKEN);
  }

  /** The account; a session the platform no longer knows is forgotten. */
  async function loadAccount(): Promise<UsagerAccount | null> {
    if (!token.value) return null;
    try {
      account.value = await api.get<UsagerAccount>('/api/public/me');
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) forget();
      else throw error;
    }
    return account.value;
  }

  async function signIn(email: string, password: string): Promise<void> {
    await open(await api.post<{ token: string }>('/api/public/accounts/sign_in', { email, password }));
  }

  /** Sends the browser to FranceConnect; back at `returnTo` (a path of this portal) once signed in. */
  async function startFranceConnect(organisationSlug: string | null, returnTo: string): Promise<void> {
    const { authorization_url: url } = await api.post<{ authorization_url: string }>('/api/public/franceconnect/start');
    const started: StartedFranceConnect = { state: new URL(url).searchParams.get('state') ?? '', organisationSlug, returnTo };
    sessionStorage.setItem(FRANCECONNECT, JSON.stringify(started));
    window.location.assign(url);
  }

  /** Back from FranceConnect: only the answer to the sign-in this tab started is posted. Answers where to go next. */
  async function finishFranceConnect(answer: { code: string; state: string; iss?: string }): Promise<string> {
    const started = JSON.parse(sessionStorage.getItem(FRANCECONNECT) ?? 'null') as StartedFranceConnect | null;
    sessionStorage.removeItem(FRANCECONNECT);
    if (!started || started.state !== answer.state) throw new ApiError({ status: 401, title: 'franceconnect_state' });
    await open(await api.post<{ token: string }>('/api/public/franceconnect/callback', {
      ...answer, ...(started.organisationSlug ? { organisation_slug: started.organisationSlug } : {}),
    }));
    return started.returnTo.startsWith('/') && !started.returnTo.startsWith('//') ? started.returnTo : '/espace';
  }

  async function update(changes: AccountChanges): Promise<void> {
    account.value = await api.patch<UsagerAccount>('/api/public/me', changes);
  }

  async function rdvs(): Promise<RdvRecap[]> {
    return (await api.get<{ data: RdvRecap[] }>('/api/public/me/rdvs')).data;
  }

  async function cancel(rdvId: string): Promise<RdvRecap> {
    return api.post<RdvRecap>(`/api/public/me/rdvs/${encodeURIComponent(rdvId)}/cancel`);
  }

  /** Closes the account; answers FranceConnect's sign-out URL for a session opened with it. */
  async function deleteAccount(): Promise<string | null> {
    const answer = await api.delete<{ end_session_url?: string } | undefined>('/api/public/me');
    forget();
    return answer?.end_session_url ?? null;
  }

  /** Signs out; answers FranceConnect's sign-out URL for a session opened with it. */
  async function signOut(): Promise<string | null> {
    const answer = await api.delete<{ end_session_url?: string } | undefined>('/api/public/accounts/sign_in').catch(() => undefined);
    forget();
    return answer?.end_session_url ?? null;
  }

  return { token, account, signedIn, loadAccount, signIn, startFranceConnect, finishFranceConnect, update, rdvs, cancel, deleteAccount, signOut };
});
