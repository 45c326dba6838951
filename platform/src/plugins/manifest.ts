import fs from 'node:fs';
import path from 'node:path';
import { createAjv, SCHEMAS_DIR, toFieldErrors } from '../http/schemas';
import { pluginDocumentSchema } from './config';
import { checkPluginFields } from './fields';
import type { PluginDefinition } from './sdk';

/** The data part of a plugin's definition, as `schemas/plugins/manifest.json` describes it. */
export function manifestOf(plugin: PluginDefinition<any>) {
  return {
    name: plugin.name,
    version: plugin.version,
    description: plugin.description,
    scope: plugin.scope,
    configSchema: plugin.configSchema,
    ...(plugin.enabledByDefault !== undefined ? { enabledByDefault: plugin.enabledByDefault } : {}),
    events: plugin.events ?? [],
    jobs: Object.keys(plugin.jobs ?? {}),
    routes: (plugin.routes ?? []).map(({ method, path: routePath, summary }) => ({ method, path: routePath, summary })),
    migrations: (plugin.migrations ?? []).map(({ version, description }) => ({ version, description })),
  };
}

/** Plugin lists that passed checkPlugins. */
const checkedLists = new WeakSet<readonly PluginDefinition<any>[]>();

/**
 * Refuses, at start-up, plugins whose manifest is wrong: a bad name or event pattern,
 * a configuration schema that does not compile, a default configuration its own schema
 * refuses while the plugin is on by default, two plugins with one name, ill-named fields.
 */
export function checkPlugins(plugins: readonly PluginDefinition<any>[]): void {
  // The registry's list is checked when it loads, then handed to every PluginHost: once is enough (start-up time).
  if (checkedLists.has(plugins)) return;
  const ajv = createAjv();
  const validateManifest = ajv.compile(JSON.parse(fs.readFileSync(path.join(SCHEMAS_DIR, 'plugins', 'manifest.json'), 'utf8')));
  const names = new Set<string>();
  for (const plugin of plugins) {
    const where = `Plugin ${plugin.name ?? '(unnamed)'}`;
    if (!validateManifest(manifestOf(plugin))) {
      const problems = toFieldErrors(validateManifest.errors).map((e) => `${e.path} ${e.message}`).join('; ');
      throw new Error(`${where}: invalid manifest: ${problems}`);
    }
    if (names.has(plugin.name)) throw new Error(`${where}: another plugin has this name`);
    names.add(plugin.name);
    if (plugin.events?.length && !plugin.onEvent) throw new Error(`${where}: declares events but no onEvent`);
    checkPluginFields(plugin);
    const documentSchema = pluginDocumentSchema(plugin);
    let validateDocument;
    try {
      validateDocument = ajv.compile(documentSchema);
    } catch (error) {
      throw new Error(`${where}: its configuration schema does not compile: ${(error as Error).message}`);
    }
    if (plugin.enabledByDefault && !validateDocument(documentSchema.default)) {
      throw new Error(`${where}: is on by default but its schema refuses its default configuration`);
    }
  }
  checkedLists.add(plugins);
}
