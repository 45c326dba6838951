import type { JsonSchema } from '../http/schemas';
import type { PluginDefinition, PluginSettings } from './sdk';

/**
 * A plugin's configuration is a territory configuration document (versioned by
 * ConfigStore) under the key `plugins.<name>`:
 * `{"enabled": true, "config": {...}}`, plus, for organisation-scoped plugins,
 * `"organisations": {"<id>": {"enabled"?, "config"?}}` overriding them per organisation.
 * `config` follows the plugin's own schema.
 */
export interface PluginDocument {
  enabled: boolean;
  config: Record<string, unknown>;
  organisations?: Record<string, { enabled?: boolean; config?: Record<string, unknown> }>;
}

const KEY_PREFIX = 'plugins.';

export function pluginConfigKey(name: string): string {
  return `${KEY_PREFIX}${name}`;
}

/** The JSON Schema of the `plugins.<name>` document, wrapping the plugin's configuration schema. */
export function pluginDocumentSchema(plugin: PluginDefinition<any>): JsonSchema {
  const { $schema: _dialect, $id: _id, ...configSchema } = plugin.configSchema;
  const configId = `plugins.${plugin.name}.config.json`;
  const config = { $ref: configId };
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: `config/${pluginConfigKey(plugin.name)}.json`,
    title: `Plugin ${plugin.name}`,
    description: plugin.description,
    type: 'object',
    properties: {
      enabled: { type: 'boolean', title: 'Enabled' },
      config,
      ...(plugin.scope === 'organisation'
        ? {
            organisations: {
              title: 'Per organisation',
              type: 'object',
              propertyNames: { format: 'uuid' },
              additionalProperties: {
                type: 'object',
                properties: { enabled: { type: 'boolean', title: 'Enabled' }, config },
                additionalProperties: false,
              },
            },
          }
        : {}),
    },
    required: ['enabled', 'config'],
    additionalProperties: false,
    default: { enabled: plugin.enabledByDefault ?? false, config: configSchema.default ?? {} },
    $defs: { config: { ...configSchema, $id: configId } },
  };
}

/** Where ConfigStore finds the schema of `plugins.<name>` keys: the manifests of these plugins. */
export function pluginSchemaSource(plugins: readonly PluginDefinition<any>[]): (key: string) => JsonSchema | undefined {
  return (key) => {
    if (!key.startsWith(KEY_PREFIX)) return undefined;
    const plugin = plugins.find((candidate) => candidate.name === key.slice(KEY_PREFIX.length));
    return plugin && pluginDocumentSchema(plugin);
  };
}

/** What is in force for an organisation (or the territory when null). */
export function effectiveSettings(document: PluginDocument, organisationId: string | null): PluginSettings<any> {
  const override = organisationId ? document.organisations?.[organisationId] : undefined;
  return { enabled: override?.enabled ?? document.enabled, config: override?.config ?? document.config };
}
