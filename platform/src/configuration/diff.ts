import { isDeepStrictEqual } from 'node:util';

/** One change between two versions of a document, at a dotted path. */
export interface DocumentChange {
  path: string;
  change: 'added' | 'removed' | 'changed';
  /** For values that are not objects: what it was and what it became. */
  before?: unknown;
  after?: unknown;
}

type Json = unknown;

function isObject(value: Json): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isLeaf(value: Json): boolean {
  return !isObject(value) && !(Array.isArray(value) && value.some((item) => typeof item === 'object' && item !== null));
}

/** Arrays of objects with distinct string `name`s (custom fields) are compared by name, not position. */
function byName(value: Json): Map<string, Json> | undefined {
  if (!Array.isArray(value)) return undefined;
  const map = new Map<string, Json>();
  for (const item of value) {
    if (!isObject(item) || typeof item.name !== 'string' || map.has(item.name)) return undefined;
    map.set(item.name, item);
  }
  return map;
}

/**
 * What changed from `before` to `after`, as paths: `fields.nir.label changed`,
 * `fields.situation added`, `hidden_standard_fields changed`. Custom fields are
 * named by their name, so inserting one does not shift every later path.
 */
export function documentChanges(before: Json, after: Json, path = ''): DocumentChange[] {
  if (isDeepStrictEqual(before, after)) return [];
  const at = (key: string) => (path ? `${path}.${key}` : key);
  if (before === undefined) return [{ path, change: 'added', ...(isLeaf(after) ? { after } : {}) }];
  if (after === undefined) return [{ path, change: 'removed', ...(isLeaf(before) ? { before } : {}) }];
  if (isObject(before) && isObject(after)) {
    const keys = [...Object.keys(after), ...Object.keys(before).filter((key) => !(key in after))];
    return keys.flatMap((key) => documentChanges(before[key], after[key], at(key)));
  }
  const beforeByName = byName(before);
  const afterByName = byName(after);
  if (beforeByName && afterByName && (beforeByName.size || afterByName.size)) {
    const names = [...afterByName.keys(), ...[...beforeByName.keys()].filter((name) => !afterByName.has(name))];
    const changes = names.flatMap((name) => documentChanges(beforeByName.get(name), afterByName.get(name), at(name)));
    const reordered = JSON.stringify([...beforeByName.keys()].filter((name) => afterByName.has(name)))
      !== JSON.stringify([...afterByName.keys()].filter((name) => beforeByName.has(name)));
    return reordered ? [...changes, { path, change: 'changed', before: [...beforeByName.keys()], after: [...afterByName.keys()] }] : changes;
  }
  if (Array.isArray(before) && Array.isArray(after) && !isLeaf(before) && !isLeaf(after)) {
    const length = Math.max(before.length, after.length);
    return Array.from({ length }, (_, index) => documentChanges(before[index], after[index], at(String(index)))).flat();
  }
  return [{ path, change: 'changed', before, after }];
}
