import { shallowRef } from 'vue';
import { loadPluginDocumentSchema } from '../api/plugins';
import type { JsonSchema } from '../api/schemas';
import { describeError } from './errors';
import { useConfigDocument } from './useConfigDocument';

/** A plugin's territory document: on or off, its settings, and each organisation's own choice. */
export interface PluginDocument {
  enabled: boolean;
  config: Record<string, unknown>;
  organisations?: Record<string, { enabled?: boolean; config?: Record<string, unknown> }>;
}

/** What a plugin's settings screen says of it: its switch, and the state per organisation. */
export interface PluginWording {
  enabled: string;
  organisationState: string;
  organisationStateOf(organisation: string): string;
}

/** The `plugins.<name>` configuration document, edited through the schema the plugin declares. */
export function usePluginDocument(name: string) {
  const schema = shallowRef<JsonSchema>();
  const doc = useConfigDocument<PluginDocument>(`plugins.${name}`, () => ({ enabled: false, config: {} }), schema);

  async function load(): Promise<void> {
    try {
      schema.value = await loadPluginDocumentSchema(name);
      await doc.reload();
    } catch (error) {
      doc.form.problem.value = describeError(error);
    }
  }

  return { doc, schema, load };
}

export type PluginDocumentEditor = ReturnType<typeof usePluginDocument>;
