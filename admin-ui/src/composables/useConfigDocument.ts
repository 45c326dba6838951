import { Ref, ref } from 'vue';
import { api } from '../api/client';
import type { JsonSchema } from '../api/schemas';
import type { ConfigVersion } from '../api/types';
import { describeError } from './errors';
import { useSchemaForm } from './useSchemaForm';

/**
 * A territory configuration document (`services`, `user_fields`, ...) edited as a form:
 * validated by its schema (`config/<key>.json`, or `schema` when served apart: a plugin's
 * document), saved as a new version.
 */
export function useConfigDocument<D extends Record<string, any>>(key: string, empty: () => D, schema?: Ref<JsonSchema | undefined>) {
  const path = `/api/v1/territories/current/config/${key}`;
  const current = ref<ConfigVersion<D>>();
  const saved = ref(false);

  const form = useSchemaForm<D>({
    schema: schema ?? `config/${key}.json`,
    draft: `config.${key}`,
    empty,
    submit: async (body) => {
      current.value = await api.put<ConfigVersion<D>>(path, body);
    },
  });

  /** Shows the version in force (after a save, the form holds what the server stored). */
  function showInForce(): void {
    if (current.value) form.load({ ...empty(), ...current.value.document });
  }

  /** Saves the form as a new version; once stored, shows it and says so. */
  async function save(): Promise<boolean> {
    saved.value = false;
    if (!(await form.save())) return false;
    showInForce();
    saved.value = true;
    return true;
  }

  /** Reads the version in force; a form the user changed while it loaded keeps their changes. */
  async function reload(): Promise<void> {
    const asked = JSON.stringify(form.value.value);
    try {
      current.value = await api.get<ConfigVersion<D>>(path);
      if (JSON.stringify(form.value.value) === asked) showInForce();
    } catch (error) {
      form.problem.value = describeError(error);
    }
  }

  /** A restored version is in force: show it (a draft in progress gives way to it). */
  function restored(version: ConfigVersion<D>): void {
    current.value = version;
    form.discardDraft();
    form.load({ ...empty(), ...version.document });
    form.discardDraft();
  }

  return { key, form, current, saved, save, reload, restored };
}

export type ConfigDocument<D extends Record<string, any> = any> = ReturnType<typeof useConfigDocument<D>>;
