import { defineStore } from 'pinia';
import { ref } from 'vue';
import { api } from '../api/client';

interface Territory {
  id: string;
  name: string;
  timezone: string;
}

/**
 * The agent's territory, loaded once: its time zone is the one every date and time
 * is shown in, whatever the browser's (an agent abroad still books Paris hours).
 */
export const useTerritoryStore = defineStore('territory', () => {
  const territory = ref<Territory | null>(null);
  let loading: Promise<Territory> | null = null;

  /** The territory; one request however many screens ask at once. */
  function load(): Promise<Territory> {
    if (territory.value) return Promise.resolve(territory.value);
    loading ??= api.get<Territory>('/api/v1/territories/current')
      .then((answer) => (territory.value = answer))
      .finally(() => (loading = null));
    return loading;
  }

  async function timeZone(): Promise<string> {
    return (await load()).timezone;
  }

  return { territory, load, timeZone };
});
