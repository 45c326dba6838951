import type { MigrationInterface, QueryRunner } from 'typeorm';
import { isolateByTerritory } from '../db/isolation';
import type { PluginDefinition } from './sdk';

/**
 * Plugins' migrations as TypeORM migrations, run with the platform's in version order.
 * TypeORM reads the version from the class name's last 13 digits.
 */
export function pluginMigrations(plugins: readonly PluginDefinition<any>[]): (new () => MigrationInterface)[] {
  return plugins.flatMap((plugin) => (plugin.migrations ?? []).map((migration) => {
    const name = `Plugin_${plugin.name.replace(/-/g, '_')}_${migration.version}`;
    const PluginMigration = class implements MigrationInterface {
      name = name;
      async up(q: QueryRunner): Promise<void> {
        await migration.up({ query: (sql) => q.query(sql), isolateByTerritory: (table) => isolateByTerritory(q, table) });
      }
      async down(): Promise<void> {
        throw new Error(`${name} cannot be undone`);
      }
    };
    Object.defineProperty(PluginMigration, 'name', { value: name });
    return PluginMigration;
  }));
}
