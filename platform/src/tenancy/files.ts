import fs from 'node:fs';
import path from 'node:path';
import type { AccessLevel } from '../agents/agent.entity';
import { AppError } from '../errors';
import type { SchemaRegistry } from '../http/schemas';

export interface AgentFile {
  email?: string;
  first_name?: string;
  last_name?: string;
  /** An intervenant: an agenda with a name and no login. */
  name?: string;
  password?: string;
  territorial_admin?: boolean;
  service_ids: string[];
  /** Organisation slug → access level. */
  roles: Record<string, AccessLevel>;
}

export interface OrganisationFiles {
  organisation: Record<string, unknown>;
  lieux?: Record<string, unknown>[];
  motifs?: Record<string, unknown>[];
}

/**
 * A territory as files (tenants/<name>/, described in tenants/README.md), read
 * and checked against schemas/tenant/: what `applyTenant` applies and
 * `exportTenant` produces.
 */
export interface TenantFiles {
  territory: { name: string; timezone?: string };
  /** Configuration key → document. */
  config: Record<string, Record<string, unknown>>;
  /** Organisation slug → its files. */
  organisations: Record<string, OrganisationFiles>;
  agents: AgentFile[];
}

const SLUG = /^[a-z0-9-]{1,80}$/;
const CONFIG_KEY = /^[a-z][a-z0-9_]*(\.[a-z0-9_-]+)?$/;
const ORGANISATION_FILES = { 'organisation.json': 'tenant/organisation.json', 'lieux.json': 'tenant/lieux.json', 'motifs.json': 'tenant/motifs.json' } as const;

/** Refusals name the file: `organisations/mairie/motifs.json: ...`, with the fields' paths. */
function inFile(file: string, error: unknown): unknown {
  return error instanceof AppError ? new AppError(error.kind, `${file}: ${error.message}`, error.errors) : error;
}

function validated<T>(schemas: SchemaRegistry, file: string, schemaId: string, value: unknown): T {
  try {
    return schemas.validate<T>(schemaId, value);
  } catch (error) {
    throw inFile(file, error);
  }
}

function readJson(dir: string, file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
  } catch (error) {
    throw new AppError('malformed', `${file}: ${(error as Error).message}`);
  }
}

function jsonFiles(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((name) => name.endsWith('.json')).sort() : [];
}

function refuseDuplicates(file: string, values: (string | undefined)[], what: string): void {
  const seen = new Set<string>();
  values.forEach((value, index) => {
    if (value === undefined) return;
    if (seen.has(value)) throw AppError.invalidField(`${index}`, `${file}: ${what} "${value}" appears twice`);
    seen.add(value);
  });
}

/**
 * The files as a map from their path in the folder to their content: the
 * folder's exact image, written by the CLI and answered by the export route.
 */
export function tenantFileMap(files: TenantFiles): Record<string, unknown> {
  const map: Record<string, unknown> = { 'territory.json': files.territory };
  for (const [key, document] of Object.entries(files.config)) map[`config/${key}.json`] = document;
  for (const [slug, organisation] of Object.entries(files.organisations)) {
    map[`organisations/${slug}/organisation.json`] = organisation.organisation;
    if (organisation.lieux) map[`organisations/${slug}/lieux.json`] = organisation.lieux;
    if (organisation.motifs) map[`organisations/${slug}/motifs.json`] = organisation.motifs;
  }
  map['agents.json'] = files.agents;
  return map;
}

/**
 * Reads and checks a tenant folder before anything is written: every file
 * against its schema, folder names, duplicates. Files it does not know are
 * refused (a misspelt one would otherwise do nothing); non-JSON files (a
 * README) are left alone.
 */
export function readTenantFolder(schemas: SchemaRegistry, dir: string): TenantFiles {
  if (!fs.existsSync(path.join(dir, 'territory.json'))) throw new AppError('malformed', `${dir} has no territory.json: is it a tenant folder?`);
  for (const file of jsonFiles(dir)) {
    if (file !== 'territory.json' && file !== 'agents.json') throw new AppError('malformed', `${file}: not a tenant file (see tenants/README.md)`);
  }
  const files: TenantFiles = {
    territory: validated(schemas, 'territory.json', 'tenant/territory.json', readJson(dir, 'territory.json')),
    config: {},
    organisations: {},
    agents: [],
  };

  for (const file of jsonFiles(path.join(dir, 'config'))) {
    const where = `config/${file}`;
    const key = file.slice(0, -'.json'.length);
    if (!CONFIG_KEY.test(key) || !schemas.schemas.has(`config/${key}.json`)) throw new AppError('malformed', `${where}: no configuration document is named ${key}`);
    const document = validated<Record<string, unknown>>(schemas, where, 'tenant/config.json', readJson(dir, where));
    files.config[key] = validated(schemas, where, `config/${key}.json`, document);
  }

  const organisationsDir = path.join(dir, 'organisations');
  for (const slug of fs.existsSync(organisationsDir) ? fs.readdirSync(organisationsDir).sort() : []) {
    const folder = `organisations/${slug}`;
    if (!fs.statSync(path.join(dir, folder)).isDirectory()) continue;
    if (!SLUG.test(slug)) throw new AppError('malformed', `${folder}: a folder name is the organisation's slug: lowercase letters, digits and -`);
    for (const file of jsonFiles(path.join(dir, folder))) {
      if (!(file in ORGANISATION_FILES)) throw new AppError('malformed', `${folder}/${file}: not a tenant file (see tenants/README.md)`);
    }
    if (!fs.existsSync(path.join(dir, folder, 'organisation.json'))) throw new AppError('malformed', `${folder}: organisation.json is missing`);
    const read = (file: keyof typeof ORGANISATION_FILES) => validated<Record<string, unknown>>(schemas, `${folder}/${file}`, ORGANISATION_FILES[file], readJson(dir, `${folder}/${file}`));
    const organisation: OrganisationFiles = { organisation: read('organisation.json') };
    for (const file of ['lieux.json', 'motifs.json'] as const) {
      if (!fs.existsSync(path.join(dir, folder, file))) continue;
      const records = read(file) as unknown as Record<string, unknown>[];
      refuseDuplicates(`${folder}/${file}`, records.map((record) => record.name as string), 'the name');
      organisation[file === 'lieux.json' ? 'lieux' : 'motifs'] = records;
    }
    files.organisations[slug] = organisation;
  }

  if (fs.existsSync(path.join(dir, 'agents.json'))) {
    files.agents = validated(schemas, 'agents.json', 'tenant/agents.json', readJson(dir, 'agents.json'));
    refuseDuplicates('agents.json', files.agents.map((agent) => agent.email?.toLowerCase()), 'the email');
    refuseDuplicates('agents.json', files.agents.map((agent) => agent.name), 'the intervenant');
    files.agents.forEach((agent, index) => {
      for (const slug of Object.keys(agent.roles)) {
        if (!files.organisations[slug]) throw AppError.invalidField(`${index}.roles.${slug}`, `agents.json: no organisations/${slug} folder`);
      }
    });
  }
  return files;
}

/**
 * Writes the files into `dir`. A folder that already holds files is refused
 * unless `replace`, which first removes what a tenant folder holds (so that an
 * organisation deleted since does not linger).
 */
export function writeTenantFolder(files: TenantFiles, dir: string, options: { replace?: boolean } = {}): void {
  if (fs.existsSync(dir) && fs.readdirSync(dir).length) {
    if (!options.replace) throw new AppError('conflict', `${dir} is not empty: choose an empty folder, or replace its tenant files with --replace`);
    for (const entry of ['territory.json', 'agents.json', 'config', 'organisations']) fs.rmSync(path.join(dir, entry), { recursive: true, force: true });
  }
  for (const [file, content] of Object.entries(tenantFileMap(files))) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), `${JSON.stringify(content, null, 2)}\n`);
  }
}
