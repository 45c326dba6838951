import { API_ROUTES } from '../../../platform/src/http/routes';
import { TestPlatform } from '../../support/platform';

/** Every `$ref` found anywhere in a JSON value. */
function refsIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(refsIn);
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, inner]) => (key === '$ref' && typeof inner === 'string' ? [inner] : refsIn(inner)));
  }
  return [];
}

describe('the OpenAPI document and the health check', () => {
  let test: TestPlatform;
  let document: any;
  beforeAll(async () => {
    test = await TestPlatform.start({ demo: false });
    const response = await test.call('get', '/api/openapi.json');
    expect(response.status).toBe(200);
    document = response.body;
  });
  afterAll(() => test?.stop());

  it('is OpenAPI 3.1 with bearer authentication, and needs no token', () => {
    expect(document.openapi).toMatch(/^3\.1\./);
    expect(document.info.title).toEqual(expect.any(String));
    expect(document.components.securitySchemes.bearer).toEqual({ type: 'http', scheme: 'bearer' });
  });

  const routes = API_ROUTES.map((route) => ({
    method: route.method,
    path: route.path.replace(/:([A-Za-z_]+)/g, '{$1}'),
    route,
  }));

  it.each(routes)('lists $method $path', ({ method, path, route }) => {
    const operation = document.paths[path]?.[method];
    expect(operation).toBeDefined();
    const parameters = [...path.matchAll(/\{([A-Za-z_]+)\}/g)].map((match) => match[1]);
    expect(operation.parameters.filter((p: { in: string }) => p.in === 'path').map((p: { name: string }) => p.name)).toEqual(parameters);
    expect(operation.security).toEqual(route.access === 'public' ? [] : [{ bearer: [] }]);
    expect(Object.keys(operation.responses)).toContain(String(route.status ?? 200));
    if (route.body) {
      const ref: string = operation.requestBody.content['application/json'].schema.$ref;
      expect(ref).toMatch(/^#\/components\/schemas\//);
      expect(document.components.schemas[ref.split('/').pop()!]).toBeDefined();
    } else if (route.bodySchema) {
      // A plugin's body schema, shown where it is used.
      expect(operation.requestBody.content['application/json'].schema).toEqual(JSON.parse(JSON.stringify(route.bodySchema)));
    } else {
      expect(operation.requestBody).toBeUndefined();
    }
  });

  it('has no operation that is not a route, and every reference to a component resolves', () => {
    const operations = Object.entries(document.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method} ${path}`));
    expect(operations.sort()).toEqual(routes.map(({ method, path }) => `${method} ${path}`).sort());

    // `#/$defs/...` inside a component is relative to that schema's own $id (JSON Schema 2020-12).
    const unresolved = refsIn(document).filter((ref) => ref.startsWith('#/components/')).filter((ref) => {
      const target = ref.slice(2).split('/').reduce<any>((node, segment) => node?.[segment], document);
      return target === undefined;
    });
    expect(unresolved).toEqual([]);
  });

  it('names the request body of motif changes as a schema with nothing required', () => {
    const patch = document.paths['/api/v1/motifs/{id}'].patch.requestBody.content['application/json'].schema.$ref;
    const schema = document.components.schemas[patch.split('/').pop()];
    expect(schema.required).toBeUndefined();
    expect(Object.keys(schema.properties)).toEqual(Object.keys(document.components.schemas.api_motif.properties));
  });

  it('GET /health answers {status: "ok"} when the database answers', async () => {
    const health = await test.call('get', '/health');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'ok', database: process.env.DATABASE_URL ? 'postgresql' : 'embedded' });
  });
});
