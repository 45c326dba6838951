import fc from 'fast-check';
import { DEMO_OPERATOR } from '../../../platform/src/bootstrap';
import { ApiResponse, TestPlatform } from '../../support/platform';
import { expectProblem, fingerprint } from './helpers';

/**
 * Schema-driven fuzz of every operation of the OpenAPI document: wrong tokens, ids that
 * name nothing, bodies of the wrong shape, fields of the wrong type, unknown fields and
 * huge values. Whatever is sent, the API answers with a problem+json refusal, never a 5xx,
 * and writes nothing.
 */

interface Operation {
  method: string;
  path: string;
  security: unknown[];
  bodySchema?: JsonSchema;
}

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  maxLength?: number;
  enum?: unknown[];
  const?: unknown;
  format?: string;
  $ref?: string;
  items?: JsonSchema;
}

const HUGE = 'x'.repeat(200_000);
/** Random junk, the same on every run (a fixed seed), so a failure can be replayed. */
const JUNK = fc.sample(fc.oneof(fc.string({ maxLength: 40 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 3 })), { numRuns: 12, seed: 2026 });

/** A value no schema of that type accepts. */
function wrongTypeFor(schema: JsonSchema): unknown[] {
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  const candidates: unknown[] = [{ nested: { deeper: [1, 2, 3] } }, ['une', 'liste'], 12345.5, true, 'texte'];
  return candidates.filter((value) => !types.some((type) => accepts(type, value))).slice(0, 2);
}

function accepts(type: string, value: unknown): boolean {
  switch (type) {
    case 'string': return typeof value === 'string';
    case 'number': return typeof value === 'number';
    case 'integer': return Number.isInteger(value);
    case 'boolean': return typeof value === 'boolean';
    case 'array': return Array.isArray(value);
    case 'object': return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'null': return value === null;
    default: return true;
  }
}

/** Replaces `{param}` with the given value in every place. */
function fill(path: string, value: string): string {
  return path.replace(/\{[A-Za-z_]+\}/g, encodeURIComponent(value));
}

describe('fuzz of every API operation: refusals are problem+json, never 5xx, and write nothing', () => {
  let test: TestPlatform;
  let operations: Operation[];
  let components: Record<string, JsonSchema>;
  let agentToken: string;
  let operatorToken: string;

  beforeAll(async () => {
    test = await TestPlatform.start();
    const document = (await test.call('get', '/api/openapi.json')).body;
    components = document.components.schemas;
    operations = Object.entries(document.paths as Record<string, Record<string, any>>).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => {
        const ref: string | undefined = operation.requestBody?.content?.['application/json']?.schema?.$ref;
        return { method, path, security: operation.security, bodySchema: ref ? components[ref.split('/').pop()!] : undefined };
      }));
    agentToken = await test.signIn('territoire@demo.test');
    operatorToken = await test.signIn(DEMO_OPERATOR.email, DEMO_OPERATOR.password);
  }, 60_000);
  afterAll(() => test?.stop());

  /**
   * What a refusal must be: 4xx, problem+json — but on partner routes (`/api/<plugin>`), whose
   * answers follow the partner's own contract.
   */
  function expectRefusal(response: ApiResponse, what: string, path: string): void {
    if (response.status < 400 || response.status >= 500) {
      throw new Error(`${what} answered ${response.status}: ${JSON.stringify(response.body).slice(0, 300)}`);
    }
    if (!path.startsWith('/api/v1/')) return;
    try {
      expectProblem(response, response.status);
    } catch (error) {
      throw new Error(`${what}: not a problem+json answer\n${(error as Error).message}`);
    }
  }

  /** The platform operator's token for the operations on all territories, an agent's for the rest. */
  function tokenFor(operation: Operation): string | undefined {
    if (operation.security.length === 0) return undefined;
    return operation.path === '/api/v1/territories' ? operatorToken : agentToken;
  }

  /** Runs the calls of one operation, then checks that no table changed. */
  async function unchangedAfter(calls: () => Promise<void>): Promise<void> {
    const before = await fingerprint(test);
    await calls();
    expect(await fingerprint(test)).toEqual(before);
  }

  it('lists enough operations to be worth fuzzing', () => {
    expect(operations.length).toBeGreaterThan(80);
  });

  it('refuses a missing or made-up token on every authenticated operation with 401', async () => {
    const authenticated = operations.filter((operation) => operation.security.length > 0);
    await unchangedAfter(async () => {
      for (const operation of authenticated) {
        const path = fill(operation.path, '00000000-0000-4000-8000-000000000000');
        for (const token of [undefined, 'not-a-token', `${'a'.repeat(64)}`]) {
          const response = await test.call(operation.method, path, { token, body: operation.bodySchema ? {} : undefined });
          expect({ operation: `${operation.method} ${operation.path}`, status: response.status }).toEqual({ operation: `${operation.method} ${operation.path}`, status: 401 });
          expectProblem(response, 401);
        }
      }
    });
  }, 120_000);

  it('refuses ids that name nothing, are malformed or are huge, on every operation with ids', async () => {
    const withIds = operations.filter((operation) => operation.path.includes('{'));
    await unchangedAfter(async () => {
      for (const operation of withIds) {
        const token = tokenFor(operation);
        for (const id of ['00000000-0000-4000-8000-000000000000', 'pas-un-identifiant', "1' OR '1'='1", 'x'.repeat(3000)]) {
          const response = await test.call(operation.method, fill(operation.path, id), { token, body: operation.bodySchema ? {} : undefined });
          expectRefusal(response, `${operation.method} ${operation.path} with id ${id.slice(0, 20)}`, operation.path);
        }
      }
    });
  }, 180_000);

  it('refuses bodies of the wrong shape, fields of the wrong type, unknown fields and huge values', async () => {
    const withBodies = operations.filter((operation) => operation.bodySchema);
    // Real ids where the path has some, so that the body itself is what is judged.
    const [organisation] = await test.sql(`SELECT id FROM organisations WHERE slug = 'mairie-val-fleuri'`);
    for (const operation of withBodies) {
      const schema = operation.bodySchema!;
      const path = fill(operation.path, organisation.id);
      const token = tokenFor(operation);
      const bodies: { what: string; body?: unknown; rawBody?: string }[] = [
        ...JUNK.filter((junk) => !(typeof junk === 'object' && junk !== null && !Array.isArray(junk))).map((junk) => ({ what: `body ${JSON.stringify(junk)}`, body: junk })),
        { what: 'truncated JSON', rawBody: '{"name": ' },
        { what: 'an unknown field', body: { champ_inconnu: 'valeur' } },
      ];
      for (const [field, property] of Object.entries(schema.properties ?? {})) {
        for (const wrong of wrongTypeFor(property)) bodies.push({ what: `${field} = ${JSON.stringify(wrong)}`, body: { [field]: wrong } });
        if (property.type === 'string') bodies.push({ what: `${field} huge`, body: { [field]: HUGE } });
      }
      await unchangedAfter(async () => {
        for (const { what, body, rawBody } of bodies) {
          const response = await test.call(operation.method, path, { token, body, rawBody });
          expectRefusal(response, `${operation.method} ${operation.path}: ${what}`, operation.path);
        }
      });
    }
  }, 300_000);

  it('never answers 5xx to odd query strings on reads', async () => {
    const reads = operations.filter((operation) => operation.method === 'get');
    const [organisation] = await test.sql(`SELECT id FROM organisations WHERE slug = 'mairie-val-fleuri'`);
    await unchangedAfter(async () => {
      for (const operation of reads) {
        const token = tokenFor(operation);
        for (const query of ['page=-1&per_page=abc', 'from=2026-13-45&to=hier', `q=${'%00'.repeat(10)}${'é'.repeat(2000)}`, 'page=1&page=2']) {
          const response = await test.call('get', `${fill(operation.path, organisation.id)}?${query}`, { token });
          if (response.status >= 400) expectRefusal(response, `GET ${operation.path}?${query.slice(0, 40)}`, operation.path);
        }
      }
    });
  }, 180_000);

  it('refuses an expired session on every authenticated operation with 401', async () => {
    const token = await test.signIn('admin.mairie@demo.test');
    test.clock.advance(13 * 3600 * 1000);
    const authenticated = operations.filter((operation) => operation.security.length > 0);
    for (const operation of authenticated) {
      const response = await test.call(operation.method, fill(operation.path, '00000000-0000-4000-8000-000000000000'), { token, body: operation.bodySchema ? {} : undefined });
      expect({ operation: `${operation.method} ${operation.path}`, status: response.status }).toEqual({ operation: `${operation.method} ${operation.path}`, status: 401 });
    }
  }, 120_000);
});
