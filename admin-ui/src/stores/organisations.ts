import { defineStore } from 'pinia';
import { ref } from 'vue';
import { api, ListBody } from '../api/client';
import type { Organisation } from '../api/types';

/** The organisations the agent works in (every one of the territory for territorial admins). */
export const useOrganisationsStore = defineStore('organisations', () => {
  const list = ref<Organisation[]>([]);
  const loaded = ref(false);

  async function load(): Promise<void> {
    const body = await api.get<ListBody<Organisation>>('/api/v1/organisations', { per_page: 200 });
    list.value = body.data;
    loaded.value = true;
  }

  function find(id: string): Organisation | undefined {
    return list.value.find((organisation) => organisation.id === id);
  }

  function clear(): void {
    list.value = [];
    loaded.value = false;
  }

  return { list, loaded, load, find, clear };
});
