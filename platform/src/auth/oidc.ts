/**
 * Signing in through an OpenID Connect provider: ProConnect for agents, FranceConnect
 * for usagers (INTEGRATIONS.md §3). Authorization code flow with a state and a nonce
 * (32 random bytes each) and `acr_values=eidas1`; the id token and the userinfo answer
 * are signed JWTs that openid-client checks against the provider's keys (its
 * non-repudiation checks) besides `iss`, `aud` and `nonce`.
 *
 * The redirect URIs are pages of the UIs, which post the code and state back to the API:
 * tokens never travel in URLs. A sign-in under way is kept by its state (hashed) and used
 * once; the UI also keeps the state in the tab (sessionStorage) and posts back only the
 * one it started, so a code obtained by someone else cannot be slipped into a browser.
 */
import * as client from 'openid-client';
import type { OidcProviderSettings } from '../config';
import { AppError } from '../errors';
import { consoleLog } from '../logging';
import type { Platform } from '../platform';
import { hashToken } from './secrets';

export type OidcProviderName = 'proconnect' | 'franceconnect';

interface ProviderProfile {
  label: string;
  scope: string;
  /** Where the provider sends the browser back with the code (a UI page, registered with the provider). */
  callbackPath: string;
  /** Where the provider sends the browser after its own sign-out (registered too). */
  signedOutPath: string;
}

export const OIDC_PROVIDERS: Record<OidcProviderName, ProviderProfile> = {
  proconnect: {
    label: 'ProConnect',
    scope: 'openid email given_name usual_name',
    callbackPath: '/admin/proconnect/callback',
    signedOutPath: '/admin/sign-in',
  },
  franceconnect: {
    label: 'FranceConnect',
    scope: 'openid email given_name family_name birthdate',
    callbackPath: '/public/franceconnect/callback',
    signedOutPath: '/public/espace',
  },
};

/** How long the provider may keep the person before sending them back. */
const SIGN_IN_TTL_MS = 10 * 60_000;
/** Seconds each request to the provider may take. */
const PROVIDER_TIMEOUT_S = 10;

export interface OidcCallback {
  code: string;
  state: string;
  /** The issuer the provider names in its answer (RFC 9207), when it does. */
  iss?: string;
}

export interface OidcIdentity {
  /** The userinfo's claims, as signed by the provider. */
  claims: client.UserInfoResponse;
  /** Kept for the provider's sign-out (id_token_hint). */
  idToken: string;
}

/** The discovered provider, per settings object (one per platform): found once, again after a failure. */
const discovered = new WeakMap<OidcProviderSettings, Promise<client.Configuration>>();

export function isConfigured(platform: Platform, provider: OidcProviderName): boolean {
  return platform.config[provider] !== undefined;
}

function settingsOf(platform: Platform, provider: OidcProviderName): OidcProviderSettings {
  const settings = platform.config[provider];
  if (!settings) throw AppError.notFound(`${OIDC_PROVIDERS[provider].label} sign-in on this instance`);
  return settings;
}

const urlOf = (platform: Platform, path: string) => `${platform.config.publicUrl}${path}`;

/** A provider on this machine (tests, development) may answer over plain HTTP; any other must use HTTPS. */
function onLoopback(url: URL): boolean {
  return ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}

/** `fresh`: discovered again, even when known (a sign-in starts only while the provider answers). */
async function configuration(platform: Platform, provider: OidcProviderName, fresh = false): Promise<client.Configuration> {
  const settings = settingsOf(platform, provider);
  let found = fresh ? undefined : discovered.get(settings);
  if (!found) {
    const issuer = new URL(settings.issuer);
    found = client.discovery(
      issuer,
      settings.clientId,
      { id_token_signed_response_alg: settings.signingAlg, userinfo_signed_response_alg: settings.signingAlg },
      client.ClientSecretPost(settings.clientSecret),
      {
        timeout: PROVIDER_TIMEOUT_S,
        execute: [client.enableNonRepudiationChecks, ...(onLoopback(issuer) ? [client.allowInsecureRequests] : [])],
      },
    );
    discovered.set(settings, found);
    const attempt = found;
    attempt.catch(() => {
      if (discovered.get(settings) === attempt) discovered.delete(settings);
    });
  }
  return found.catch((error: unknown) => {
    throw providerError(provider, error);
  });
}

/**
 * What the caller is told when the provider fails: unreachable or failing (network,
 * timeout, 5xx) is 503, the password path being untouched; anything else (a code expired
 * or used, a signature or nonce that does not match) refuses the sign-in.
 */
function providerError(provider: OidcProviderName, error: unknown): AppError {
  if (error instanceof AppError) return error;
  const { label } = OIDC_PROVIDERS[provider];
  const cause = (error as { cause?: unknown }).cause;
  const status = error instanceof client.ResponseBodyError ? error.status : cause instanceof Response ? cause.status : undefined;
  const unreachable = error instanceof TypeError || (error instanceof DOMException) || (status !== undefined && status >= 500);
  consoleLog('warn', `${label} sign-in failed`, {
    unreachable, reason: (error as Error).message, detail: cause instanceof Error ? cause.message : undefined,
  });
  if (unreachable) return new AppError('unavailable', `${label} does not answer: try again later`);
  return new AppError('unauthenticated', `${label} did not confirm the sign-in: start again`);
}

/** Starts a sign-in: the provider's authorization URL to send the browser to. */
export async function startOidcSignIn(platform: Platform, provider: OidcProviderName): Promise<{ authorization_url: string }> {
  // Asked of the provider each time: when it is down, the person is told here, not by its error page.
  const config = await configuration(platform, provider, true);
  const state = client.randomState();
  const nonce = client.randomNonce();
  const now = platform.clock.now();
  await platform.db.systemStatement(`DELETE FROM oidc_sign_ins WHERE expires_at <= $1`, [now]);
  await platform.db.systemStatement(
    `INSERT INTO oidc_sign_ins (state_hash, provider, nonce, expires_at) VALUES ($1, $2, $3, $4)`,
    [hashToken(state), provider, nonce, new Date(now.getTime() + SIGN_IN_TTL_MS)]);
  const profile = OIDC_PROVIDERS[provider];
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: urlOf(platform, profile.callbackPath), scope: profile.scope, state, nonce, acr_values: 'eidas1',
  });
  return { authorization_url: url.href };
}

/**
 * Ends a sign-in with the code the provider sent back: the state is used once (a forged,
 * replayed or stale one is refused), the code is exchanged, the id token's nonce checked
 * and the signed userinfo read.
 */
export async function finishOidcSignIn(platform: Platform, provider: OidcProviderName, callback: OidcCallback): Promise<OidcIdentity> {
  const config = await configuration(platform, provider);
  const [signIn] = await platform.db.systemStatement<{ nonce: string; expires_at: Date }>(
    `WITH used AS (DELETE FROM oidc_sign_ins WHERE state_hash = $1 AND provider = $2 RETURNING nonce, expires_at) SELECT * FROM used`,
    [hashToken(callback.state), provider]);
  if (!signIn) throw new AppError('unauthenticated', 'This sign-in is unknown or already used: start again');
  if (new Date(signIn.expires_at) <= platform.clock.now()) throw new AppError('unauthenticated', 'This sign-in took too long: start again');
  const callbackUrl = new URL(urlOf(platform, OIDC_PROVIDERS[provider].callbackPath));
  callbackUrl.searchParams.set('code', callback.code);
  callbackUrl.searchParams.set('state', callback.state);
  if (callback.iss) callbackUrl.searchParams.set('iss', callback.iss);
  try {
    const tokens = await client.authorizationCodeGrant(config, callbackUrl, {
      expectedState: callback.state, expectedNonce: signIn.nonce, idTokenExpected: true,
    });
    const subject = tokens.claims()!.sub;
    const claims = await client.fetchUserInfo(config, tokens.access_token, subject);
    return { claims, idToken: tokens.id_token! };
  } catch (error) {
    throw providerError(provider, error);
  }
}

/**
 * The provider's sign-out URL for a session opened through it, or null when the provider
 * cannot be reached (the session here is closed all the same).
 */
export async function oidcSignOutUrl(platform: Platform, provider: OidcProviderName, idToken: string): Promise<string | null> {
  try {
    const config = await configuration(platform, provider);
    return client.buildEndSessionUrl(config, {
      id_token_hint: idToken,
      state: client.randomState(),
      post_logout_redirect_uri: urlOf(platform, OIDC_PROVIDERS[provider].signedOutPath),
    }).href;
  } catch {
    return null;
  }
}
