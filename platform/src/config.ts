import path from 'node:path';

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
  /** Webhook targets on private or loopback addresses are refused unless allowed (tests, development). */
  allowPrivateWebhookTargets: boolean;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): PlatformConfig {
  const port = Number(env.PORT ?? 3000);
  return {
    port,
    databaseUrl: env.DATABASE_URL || undefined,
    redisUrl: env.REDIS_URL || undefined,
    smtpUrl: env.SMTP_URL || undefined,
    dataDir: path.resolve(env.DATA_DIR ?? path.join(__dirname, '..', '..', '.data')),
    publicUrl: (env.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/$/, ''),
    adminEmail: env.ADMIN_EMAIL || undefined,
    adminPassword: env.ADMIN_PASSWORD || undefined,
    seedDemo: env.SEED_DEMO !== 'false',
    sessionTtlHours: Number(env.SESSION_TTL_HOURS ?? 12),
    allowPrivateWebhookTargets: env.ALLOW_PRIVATE_WEBHOOK_TARGETS === 'true',
  };
}
