/**
 * Plugin fields (sdk.ts `PluginField`): values of the usager or rdv fiche's `custom_fields`
 * that a plugin declares. Where the plugin is on, they join the territory's effective form
 * (forms/forms.ts), never required, annotated for the UIs; their names begin with the
 * plugin's name in snake case, a prefix the territory's own fields may not take.
 */
import { createAjv, JsonSchema } from '../http/schemas';
import type { PluginDocument } from './config';
import type { PluginDefinition, PluginField } from './sdk';

/** A plugin field with the plugin that declares it. */
export interface DeclaredPluginField {
  plugin: string;
  field: PluginField;
}

/** `ants_` for `ants`, `sms_ovh_` for `sms-ovh`: how every field of the plugin is named. */
export function pluginFieldPrefix(pluginName: string): string {
  return `${pluginName.replace(/-/g, '_')}_`;
}

/** The plugins' fields of one fiche, in the plugins' order. */
export function pluginFieldsOf(plugins: readonly PluginDefinition<any>[], form: PluginField['form']): DeclaredPluginField[] {
  return plugins.flatMap((plugin) => (plugin.fields ?? []).filter((field) => field.form === form).map((field) => ({ plugin: plugin.name, field })));
}

/** Prefixes a territory's own field may not begin with, with the reason: those of plugins with fields, on or off. */
export function reservedPluginPrefixes(plugins: readonly PluginDefinition<any>[]): Map<string, string> {
  return new Map(plugins.filter((plugin) => plugin.fields?.length)
    .map((plugin) => [pluginFieldPrefix(plugin.name), `it begins with ${pluginFieldPrefix(plugin.name)}, kept for the fields of the ${plugin.name} plugin`]));
}

/** Whether the plugin is on anywhere in the territory: for the territory, or for one of its organisations. */
export function onInTerritory(document: PluginDocument): boolean {
  return document.enabled || Object.values(document.organisations ?? {}).some((organisation) => organisation.enabled === true);
}

/** The field's value schema as the effective form serves it: annotated with its label, plugin and motif categories. */
export function pluginFieldSchema({ plugin, field }: DeclaredPluginField): JsonSchema {
  return {
    ...field.schema,
    title: field.label,
    ...(field.description ? { description: field.description } : {}),
    'x-plugin': plugin,
    ...(field.motifCategories ? { 'x-motif-categories': field.motifCategories } : {}),
  };
}

/** The value as stored: the plugin's `normalize` applied to a given (valid) value. */
export function normalizedValue(field: PluginField, value: unknown): unknown {
  return value === null || value === undefined || !field.normalize ? value : field.normalize(value);
}

/** Refuses, at start-up, fields named outside the plugin's prefix or twice, or whose schema does not compile. */
export function checkPluginFields(plugin: PluginDefinition<any>): void {
  const ajv = createAjv();
  const prefix = pluginFieldPrefix(plugin.name);
  const seen = new Set<string>();
  for (const field of plugin.fields ?? []) {
    const where = `Plugin ${plugin.name}: field ${field.name}`;
    if (!/^[a-z][a-z0-9_]*$/.test(field.name) || !field.name.startsWith(prefix) || field.name === prefix) {
      throw new Error(`${where}: its name must be lowercase snake case beginning with ${prefix}`);
    }
    if (seen.has(`${field.form}/${field.name}`)) throw new Error(`${where}: declared twice on the ${field.form} fiche`);
    seen.add(`${field.form}/${field.name}`);
    try {
      ajv.compile(pluginFieldSchema({ plugin: plugin.name, field }));
    } catch (error) {
      throw new Error(`${where}: its schema does not compile: ${(error as Error).message}`);
    }
  }
}
