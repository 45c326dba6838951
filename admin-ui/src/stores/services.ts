import { defineStore } from 'pinia';
import { ref } from 'vue';
import { api } from '../api/client';
import type { Service } from '../api/types';

/** The services enabled in the territory (names from the platform's catalogue). */
export const useServicesStore = defineStore('services', () => {
  const enabled = ref<Service[]>([]);
  let loading: Promise<void> | undefined;

  function load(force = false): Promise<void> {
    if (force || !loading) {
      loading = api.get<{ data: Service[] }>('/api/v1/services').then((body) => {
        enabled.value = body.data;
      }).catch((error) => {
        loading = undefined;
        throw error;
      });
    }
    return loading;
  }

  function name(id: string): string {
    return enabled.value.find((service) => service.id === id)?.name ?? id;
  }

  return { enabled, load, name };
});
