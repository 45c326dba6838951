import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { api, ApiError } from '../api/client';
import type { Agent } from '../api/types';
import { dropAllDrafts } from './drafts';

const TOKEN = 'lapin.token';
const EXPIRED_AGENT = 'lapin.expiredAgent';
/** The state of the ProConnect sign-in this tab started: only its answer is posted back. */
const PROCONNECT_STATE = 'lapin.proconnectState';

/** What ProConnect sent back to /proconnect/callback. */
export interface ProConnectAnswer {
  code: string;
  state: string;
  iss?: string;
}

interface SignInAnswer {
  token: string;
  agent: Agent & { platform_admin?: boolean };
}

/** The password was right, the agent's application code is awaited (a few minutes) before the session opens. */
interface SecondFactorAnswer {
  second_factor: 'totp';
  second_factor_token: string;
  expires_at: string;
}

/**
 * The signed-in agent. The token lives in sessionStorage: it ends with the tab, which
 * suits the shared computers of public counters; the server's TTL bounds it anyway.
 */
export const useSessionStore = defineStore('session', () => {
  const token = ref<string | null>(sessionStorage.getItem(TOKEN));
  const agent = ref<Agent | null>(null);
  /** Set when the server refused the token: the sign-in screen says why. */
  const expired = ref(false);
  /** Between the password and the application code: the step's token (it opens nothing else). */
  const secondFactorToken = ref<string | null>(null);

  const signedIn = computed(() => token.value !== null && agent.value !== null);
  const territorialAdmin = computed(() => agent.value?.territorial_admin ?? false);

  function accessIn(organisationId: string) {
    return agent.value?.roles.find((role) => role.organisation_id === organisationId)?.access_level;
  }
  /** Mirrors the platform's policy (agents/actor.ts): territorial admins administer every organisation. */
  function isMemberOf(organisationId: string): boolean {
    return territorialAdmin.value || accessIn(organisationId) !== undefined;
  }
  function isAdminOf(organisationId: string): boolean {
    return territorialAdmin.value || accessIn(organisationId) === 'admin';
  }

  function open(answer: SignInAnswer): void {
    const previous = sessionStorage.getItem(EXPIRED_AGENT);
    // Drafts kept through an expiry belong to whoever was signed in: another agent starts clean.
    if (previous && previous !== answer.agent.id) dropAllDrafts();
    sessionStorage.removeItem(EXPIRED_AGENT);
    token.value = answer.token;
    agent.value = answer.agent;
    expired.value = false;
    sessionStorage.setItem(TOKEN, answer.token);
  }

  /** A session, or the code step for an agent with an application code. */
  function openOrAwaitCode(answer: SignInAnswer | SecondFactorAnswer): void {
    if ('second_factor' in answer) secondFactorToken.value = answer.second_factor_token;
    else open(answer);
  }

  async function signIn(email: string, password: string): Promise<void> {
    const answer = await api.post<SignInAnswer | SecondFactorAnswer>('/api/v1/auth/sign_in', { email, password });
    if ('second_factor' in answer) return openOrAwaitCode(answer);
    if (answer.agent.platform_admin) {
      // The operator's account has no organisation: this UI is for agents.
      await api.delete('/api/v1/auth/sign_out').catch(() => undefined);
      throw new ApiError({ status: 403, title: 'platform_admin' });
    }
    open(answer);
  }

  /** Sends the browser to ProConnect, remembering in this tab the state it goes with. */
  async function startProConnect(): Promise<void> {
    const { authorization_url: url } = await api.post<{ authorization_url: string }>('/api/v1/auth/proconnect/start');
    sessionStorage.setItem(PROCONNECT_STATE, new URL(url).searchParams.get('state') ?? '');
    window.location.assign(url);
  }

  /**
   * Back from ProConnect: the answer of the sign-in this tab started opens the session.
   * Another state (a link someone else obtained) is refused before reaching the platform.
   */
  async function finishProConnect(answer: ProConnectAnswer): Promise<void> {
    const expected = sessionStorage.getItem(PROCONNECT_STATE);
    sessionStorage.removeItem(PROCONNECT_STATE);
    if (!expected || expected !== answer.state) throw new ApiError({ status: 401, title: 'proconnect_state' });
    open(await api.post<SignInAnswer>('/api/v1/auth/proconnect/callback', answer));
  }

  async function acceptInvitation(invitationToken: string, password: string): Promise<void> {
    open(await api.post<SignInAnswer>(`/api/v1/invitations/${encodeURIComponent(invitationToken)}/accept`, { password }));
  }

  /** Sets a new password with the emailed link: the platform closed every session and opens this one (after the code, if any). */
  async function resetPassword(resetToken: string, password: string): Promise<void> {
    openOrAwaitCode(await api.post<SignInAnswer | SecondFactorAnswer>(`/api/v1/auth/password_resets/${encodeURIComponent(resetToken)}`, { password }));
  }

  /** The second step: the application's code (or a recovery code) opens the session. */
  async function enterCode(code: string): Promise<void> {
    const answer = await api.post<SignInAnswer>('/api/v1/auth/sign_in/second_factor', { token: secondFactorToken.value, code });
    secondFactorToken.value = null;
    open(answer);
  }

  /** Back to the password (the step expired, or the agent gives up). */
  function cancelCode(): void {
    secondFactorToken.value = null;
  }

  async function loadAgent(): Promise<void> {
    agent.value = await api.get<Agent>('/api/v1/auth/me');
  }

  function forget(): void {
    token.value = null;
    agent.value = null;
    sessionStorage.removeItem(TOKEN);
  }

  /** The server refused the token: keep the drafts for after sign-in. */
  function expire(): void {
    if (agent.value) sessionStorage.setItem(EXPIRED_AGENT, agent.value.id);
    expired.value = true;
    forget();
  }

  /** Closes the session; answers ProConnect's sign-out URL for a session opened with ProConnect. */
  async function signOut(): Promise<string | null> {
    const answer = token.value ? await api.delete<{ end_session_url?: string } | undefined>('/api/v1/auth/sign_out').catch(() => undefined) : undefined;
    forget();
    dropAllDrafts();
    sessionStorage.removeItem(EXPIRED_AGENT);
    expired.value = false;
    return answer?.end_session_url ?? null;
  }

  return {
    token, agent, expired, secondFactorToken, signedIn, territorialAdmin, accessIn, isMemberOf, isAdminOf,
    signIn, startProConnect, finishProConnect, enterCode, cancelCode, acceptInvitation, resetPassword, loadAgent, expire, signOut,
  };
});
