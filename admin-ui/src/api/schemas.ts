import { primaryType, SchemaRegistry, type JsonSchema } from '@shared/forms/schemas';
import { api } from './client';

// The platform's schemas as both UIs read and check them (admin-ui/src/shared/forms/schemas.ts).
export { primaryType, SchemaRegistry };
export type { JsonSchema };

let loading: Promise<SchemaRegistry> | undefined;

/**
 * The platform's own schemas, fetched once from `GET /api/openapi.json` (every file of
 * schemas/ is a component there, under its `$id`): forms validate with them, no shape is
 * written twice. Fetched on first use.
 */
export function loadSchemas(): Promise<SchemaRegistry> {
  loading ??= api
    .get<{ components: { schemas: Record<string, JsonSchema> } }>('/api/openapi.json')
    .then((document) => new SchemaRegistry(Object.values(document.components.schemas)))
    .catch((error) => {
      loading = undefined;
      throw error;
    });
  return loading;
}

/**
 * What a form sends: fields the schema does not know are left out, an emptied optional
 * field becomes null (when the schema allows it) or is left out, numbers typed as text are numbers.
 */
export function normalizeForSchema(registry: SchemaRegistry, schema: string | JsonSchema, value: Record<string, unknown>, prefix = ''): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [name, raw] of Object.entries(value)) {
    const path = prefix ? `${prefix}.${name}` : name;
    const info = registry.property(schema, path);
    if (!info) continue;
    if (raw === '' || raw === undefined || raw === null) {
      if (info.nullable && raw !== undefined) body[name] = null;
      else if (info.required && raw === '') body[name] = raw;
      continue;
    }
    if (primaryType(info.schema) === 'object' && info.schema.properties && typeof raw === 'object' && !Array.isArray(raw)) {
      body[name] = normalizeForSchema(registry, schema, raw as Record<string, unknown>, path);
    } else if ((primaryType(info.schema) === 'integer' || primaryType(info.schema) === 'number') && typeof raw === 'string' && raw.trim() !== '' && !Number.isNaN(Number(raw))) {
      body[name] = Number(raw);
    } else {
      body[name] = raw;
    }
  }
  return body;
}
