import ants from '../../../plugins/ants';
import exampleAuditLog from '../../../plugins/example-audit-log';
import outlook from '../../../plugins/outlook';
import webhooks from '../../../plugins/webhooks';
import { pluginSchemaSource } from './config';
import { checkPlugins } from './manifest';
import type { Platform } from '../platform';
import type { PluginDefinition } from './sdk';

export interface InstalledPlugin {
  plugin: PluginDefinition<any>;
  /** Mount its routes under `/api/v1` rather than `/api/v1/plugins/<name>`: for the reference's paths (webhooks). */
  mountAtApiRoot?: boolean;
}

/** The plugins this platform runs: a plugin is installed by adding it here. */
export const INSTALLED_PLUGINS: readonly InstalledPlugin[] = [
  { plugin: webhooks, mountAtApiRoot: true },
  { plugin: exampleAuditLog },
  { plugin: ants },
  { plugin: outlook },
];

export const PLUGINS = INSTALLED_PLUGINS.map(({ plugin }) => plugin);

checkPlugins(PLUGINS);

/** The plugins a platform runs: the registry's, or those a test gave it (`Platform.plugins`). */
export function installedPlugins(platform: Pick<Platform, 'plugins'>): readonly PluginDefinition<any>[] {
  return platform.plugins ?? PLUGINS;
}

/** ConfigStore's source for `plugins.<name>` schemas. */
export const installedPluginSchemas = pluginSchemaSource(PLUGINS);
