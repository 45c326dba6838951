import type { RouteDefinition } from './route';
import { partialOf, SchemaRegistry } from './schemas';

const PROBLEM = {
  description: 'application/problem+json',
  content: {
    'application/problem+json': {
      schema: {
        type: 'object',
        properties: {
          type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' }, detail: { type: 'string' },
          errors: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } },
        },
      },
    },
  },
};

function componentName(id: string): string {
  return id.replace(/\.json$/, '').replace(/[^A-Za-z0-9]+/g, '_');
}

/** OpenAPI 3.1 from the route definitions and the schemas they name: one source for both. */
export function openApiDocument(routes: RouteDefinition[], schemas: SchemaRegistry): Record<string, unknown> {
  const components: Record<string, unknown> = {};
  for (const [id, schema] of schemas.schemas) components[componentName(id)] = schema;
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = route.path.replace(/:([A-Za-z_]+)/g, '{$1}');
    const parameters = [...route.path.matchAll(/:([A-Za-z_]+)/g)].map((m) => ({
      name: m[1], in: 'path', required: true, schema: { type: 'string' },
    }));
    const operation: Record<string, unknown> = {
      summary: route.summary,
      tags: [route.tag],
      parameters,
      security: route.access === 'public' ? [] : [{ bearer: [] }],
      responses: {
        [String(route.status ?? 200)]: {
          description: 'Success',
          ...(route.response ? { content: { 'application/json': { schema: { $ref: `#/components/schemas/${componentName(route.response)}` } } } } : {}),
        },
        '4XX': PROBLEM,
      },
    };
    if (route.body) {
      let name = componentName(route.body);
      if (route.partialBody) {
        name += '_partial';
        components[name] = partialOf(schemas.get(route.body));
      }
      operation.requestBody = { required: true, content: { 'application/json': { schema: { $ref: `#/components/schemas/${name}` } } } };
    } else if (route.bodySchema) {
      operation.requestBody = { required: true, content: { 'application/json': { schema: route.bodySchema } } };
    }
    (paths[path] ??= {})[route.method] = operation;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Lapin — public-service appointments', version: '1.0.0' },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    components: { schemas: components, securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    paths,
  };
}
