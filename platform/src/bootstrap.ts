import path from 'node:path';
import { PlatformAdmin } from './auth/auth.entity';
import { hashPassword, MIN_PASSWORD_LENGTH } from './auth/secrets';
import { systemClock } from './clock';
import { PlatformConfig } from './config';
import { Database, tx } from './db/database';
import { ROOT_DIR } from './paths';
import { SchemaRegistry } from './http/schemas';
import type { Platform } from './platform';
import { seedDemoActivity } from './demo/activity';
import { applyTenant } from './tenancy/apply';
import { Territory } from './territories/territory.entity';

export const DEMO_TENANT_DIR = path.join(ROOT_DIR, 'tenants', 'demo');
/** Used only when the demo is seeded and no ADMIN_EMAIL is given: documented in the README. */
export const DEMO_OPERATOR = { email: 'operateur@demo.test', password: 'demo-password-2026' };

/** Opens the database (applying migrations) and assembles the platform. */
export async function openPlatform(config: PlatformConfig, clock = systemClock): Promise<Platform> {
  const db = await Database.open({ url: config.databaseUrl, embeddedDataDir: path.join(config.dataDir, 'pglite') });
  return { config, db, clock, schemas: new SchemaRegistry() };
}

/** On an empty database: the platform admin from the environment, and the demo tenant with its activity when `seedDemo` says so (config.ts). */
export async function bootstrap(platform: Platform): Promise<{ adminEmail?: string; seededDemo: boolean }> {
  const { config } = platform;
  const empty = await platform.db.system(async () => (await tx().count(Territory)) === 0 && (await tx().count(PlatformAdmin)) === 0);
  if (!empty) return { seededDemo: false };
  const admin = config.adminEmail && config.adminPassword
    ? { email: config.adminEmail, password: config.adminPassword }
    : config.seedDemo ? DEMO_OPERATOR : undefined;
  if (admin) {
    if (admin.password.length < MIN_PASSWORD_LENGTH) {
      throw new Error(`ADMIN_PASSWORD must have at least ${MIN_PASSWORD_LENGTH} characters`);
    }
    const password_hash = await hashPassword(admin.password);
    await platform.db.system(() => tx().insert(PlatformAdmin, { email: admin.email, password_hash }));
  }
  if (config.seedDemo) {
    await applyTenant(platform, DEMO_TENANT_DIR);
    await seedDemoActivity(platform);
  }
  return { adminEmail: admin?.email, seededDemo: config.seedDemo };
}
