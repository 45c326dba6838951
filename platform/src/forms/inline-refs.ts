import path from 'node:path';
import type { JsonSchema, SchemaRegistry } from '../http/schemas';

const MAX_DEPTH = 20;

/**
 * A copy of the schema `id` with every `$ref` replaced by what it points to, so
 * that it stands alone: the UIs render it without our other files, and an
 * effective form compiles on its own. `$ref` siblings (a title) are kept on top.
 * `{anyOf: [X, {type: null}]}` becomes X with `type: [X's type, "null"]`, which
 * form renderers read as "X, optional".
 */
export function standaloneSchema(registry: SchemaRegistry, id: string): JsonSchema {
  const { $id: _id, $schema: _schema, $defs: _defs, ...schema } = registry.get(id);
  return inline(registry, schema, id, 0) as JsonSchema;
}

function inline(registry: SchemaRegistry, node: unknown, baseId: string, depth: number): unknown {
  if (depth > MAX_DEPTH) throw new Error(`${baseId}: $ref nesting deeper than ${MAX_DEPTH}`);
  if (Array.isArray(node)) return node.map((item) => inline(registry, item, baseId, depth));
  if (!node || typeof node !== 'object') return node;
  const { $ref, ...rest } = node as Record<string, unknown>;
  const inlined: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(rest)) inlined[key] = inline(registry, value, baseId, depth);
  const resolved = typeof $ref === 'string' ? { ...(resolveRef(registry, $ref, baseId, depth) as object), ...inlined } : inlined;
  return flattenNullable(resolved);
}

function resolveRef(registry: SchemaRegistry, ref: string, baseId: string, depth: number): unknown {
  const [file, pointer = ''] = ref.split('#');
  const targetId = file ? path.posix.normalize(path.posix.join(path.posix.dirname(baseId), file)) : baseId;
  let target: unknown = registry.get(targetId);
  for (const segment of pointer.split('/').filter(Boolean)) {
    target = (target as Record<string, unknown> | undefined)?.[segment.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  if (target === undefined) throw new Error(`${baseId}: $ref ${ref} points nowhere`);
  return inline(registry, target, targetId, depth + 1);
}

function flattenNullable(schema: Record<string, unknown>): Record<string, unknown> {
  const { anyOf, ...rest } = schema;
  if (!Array.isArray(anyOf) || anyOf.length !== 2) return schema;
  const nullIndex = anyOf.findIndex((branch) => JSON.stringify(branch) === '{"type":"null"}');
  const other = anyOf[1 - nullIndex] as Record<string, unknown>;
  if (nullIndex < 0 || typeof other.type !== 'string' || other.anyOf || other.oneOf) return schema;
  return { ...other, ...rest, type: [other.type, 'null'] };
}
