import { api } from './client';
import type { JsonSchema } from './schemas';

/**
 * The JSON Schema of a plugin's territory document (`plugins.<name>`: enabled, config,
 * per-organisation overrides) with the plugin's configuration schema inlined: the server
 * wraps it by a `$ref` to an `$id` of its own, which the forms' registry does not hold.
 */
export async function loadPluginDocumentSchema(name: string): Promise<JsonSchema> {
  const { $defs = {}, ...document } = await api.get<JsonSchema>(`/api/v1/territories/current/config/plugins.${name}/schema`);
  const { config: { $id: configId, ...config } = {}, ...otherDefs } = $defs as Record<string, JsonSchema>;
  const inline = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(inline);
    if (typeof node !== 'object' || node === null) return node;
    const { $ref, ...siblings } = node as JsonSchema;
    if ($ref !== undefined && $ref === configId) return { ...config, ...siblings };
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, inline(value)]));
  };
  return { ...(inline(document) as JsonSchema), ...(Object.keys(otherDefs).length ? { $defs: otherDefs } : {}) };
}

export interface PluginFailure {
  id: string;
  job: string;
  event_id: string | null;
  attempt: number;
  /** No attempt is left. */
  final: boolean;
  error: string;
  created_at: string;
}

/** An installed plugin, as GET /api/v1/plugins describes it to territorial admins. */
export interface InstalledPlugin {
  name: string;
  version: string;
  description: string;
  scope: 'territory' | 'organisation';
  /** On in the territory (its document, or the plugin's default). */
  enabled: boolean;
}
