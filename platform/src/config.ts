import path from 'node:path';
import { ROOT_DIR } from './paths';
import { readRetentionSettings, RetentionSettings } from './retention/settings';

/** Instance settings, read once from the environment (README documents each). */
export interface PlatformConfig {
  port: number;
  /** A real PostgreSQL when set; otherwise the embedded one (PGlite) in `dataDir`. */
  databaseUrl?: string;
  /** BullMQ on Redis when set; otherwise an in-process queue. */
  redisUrl?: string;
  /** A real SMTP server when set; otherwise the dev mailbox. */
  smtpUrl?: string;
  dataDir: string;
  /** Public base URL used in links sent to people (invitations, self-service). */
  publicUrl: string;
  adminEmail?: string;
  adminPassword?: string;
  seedDemo: boolean;
  sessionTtlHours: number;
  /** An agent's session unused for this long is refused (on top of its TTL). */
  sessionIdleMinutes: number;
  /** Webhook targets on private or loopback addresses are refused unless allowed (tests, development). */
  allowPrivateWebhookTargets: boolean;
  /** TRUST_PROXY: the client's address is the reverse proxy's X-Forwarded-For (koa's app.proxy). */
  trustProxy: boolean;
  /** Key of the secrets plugins store (AES-256-GCM); without it, a key file generated in `dataDir`. */
  secretsKey?: string;
  /** Namespace of the queue's keys in Redis, so several installs (or test files) can share one Redis. */
  queuePrefix: string;
  jobs: JobSettings;
  /** RGPD retention periods (retention/settings.ts): out of their bounds, the start is refused. */
  retention: RetentionSettings;
  /** PROCONNECT_*: agents sign in through ProConnect; off unless its three settings are set. */
  proconnect?: OidcProviderSettings;
  /** FRANCECONNECT_*: usagers sign in through FranceConnect; off unless its three settings are set. */
  franceconnect?: OidcProviderSettings;
  /** The environment plugins read their declared instance settings from (`ANTS_HUB_AUTH_TOKEN`...). */
  env: Record<string, string | undefined>;
}

/** An OpenID Connect provider this instance is registered with (discovery from the issuer). */
export interface OidcProviderSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The algorithm the provider signs id tokens and userinfo with for this client (RS256 unless set). */
  signingAlg: string;
}

/** `<PREFIX>_ISSUER`, `_CLIENT_ID`, `_CLIENT_SECRET` (and `_SIGNING_ALG`): all three or none, else the start is refused. */
function readOidcProvider(env: NodeJS.ProcessEnv, prefix: string): OidcProviderSettings | undefined {
  const [issuer, clientId, clientSecret] = ['ISSUER', 'CLIENT_ID', 'CLIENT_SECRET'].map((name) => env[`${prefix}_${name}`] || undefined);
  if (!issuer && !clientId && !clientSecret) return undefined;
  if (!issuer || !clientId || !clientSecret) throw new Error(`${prefix}_ISSUER, ${prefix}_CLIENT_ID and ${prefix}_CLIENT_SECRET go together: set all three or none`);
  return { issuer, clientId, clientSecret, signingAlg: env[`${prefix}_SIGNING_ALG`] || 'RS256' };
}

/** The event pipeline's pace, in milliseconds (tests shorten it). */
export interface JobSettings {
  /** How often an idle dispatcher looks at the outbox. */
  pollMs: number;
  /** Delay before the first retry; it doubles with each attempt, up to `retryMaxMs`. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** A consumer waiting for an earlier event of the same record looks again after this. */
  deferMs: number;
  /** Longest a plugin handler may run before the attempt counts as failed. */
  handlerTimeoutMs: number;
  /** Ceiling on plugins' outgoing HTTP requests (webhooks ask for 10 s). */
  httpTimeoutMs: number;
  /** How often work whose job may have been lost (a crash, an emptied Redis) is queued again. */
  recoveryMs: number;
  /** Jobs run at once by one process. */
  concurrency: number;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): PlatformConfig {
  const port = Number(env.PORT ?? 3000);
  return {
    port,
    databaseUrl: env.DATABASE_URL || undefined,
    redisUrl: env.REDIS_URL || undefined,
    smtpUrl: env.SMTP_URL || undefined,
    dataDir: path.resolve(env.DATA_DIR ?? path.join(ROOT_DIR, '.data')),
    publicUrl: (env.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/$/, ''),
    adminEmail: env.ADMIN_EMAIL || undefined,
    adminPassword: env.ADMIN_PASSWORD || undefined,
    // The demo's accounts have a published password: seeded unasked only on the embedded, admin-less default.
    seedDemo: env.SEED_DEMO === 'true' || (env.SEED_DEMO !== 'false' && !env.DATABASE_URL && !env.ADMIN_EMAIL),
    sessionTtlHours: Number(env.SESSION_TTL_HOURS ?? 12),
    sessionIdleMinutes: Number(env.SESSION_IDLE_MINUTES ?? 30),
    allowPrivateWebhookTargets: env.ALLOW_PRIVATE_WEBHOOK_TARGETS === 'true',
    trustProxy: env.TRUST_PROXY === 'true',
    secretsKey: env.SECRETS_KEY || undefined,
    queuePrefix: env.QUEUE_PREFIX || 'lapin',
    env: { ...env },
    retention: readRetentionSettings(env),
    proconnect: readOidcProvider(env, 'PROCONNECT'),
    franceconnect: readOidcProvider(env, 'FRANCECONNECT'),
    jobs: {
      pollMs: Number(env.JOB_POLL_MS ?? 500),
      retryBaseMs: Number(env.JOB_RETRY_BASE_MS ?? 5_000),
      retryMaxMs: Number(env.JOB_RETRY_MAX_MS ?? 3_600_000),
      deferMs: Number(env.JOB_DEFER_MS ?? 500),
      handlerTimeoutMs: Number(env.PLUGIN_TIMEOUT_MS ?? 60_000),
      httpTimeoutMs: Number(env.PLUGIN_HTTP_TIMEOUT_MS ?? 10_000),
      recoveryMs: Number(env.JOB_RECOVERY_MS ?? 60_000),
      concurrency: Number(env.JOB_CONCURRENCY ?? 8),
    },
  };
}
