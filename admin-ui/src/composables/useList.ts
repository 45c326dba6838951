import { ref, type Ref } from 'vue';
import { describeError } from './errors';

/** A list a view loads once: `loading` until it answers, then its items or why it failed. */
export function useList<T>(load: () => Promise<T[]>) {
  const items = ref([]) as Ref<T[]>;
  const loading = ref(true);
  const problem = ref<string | null>(null);
  load()
    .then((list) => (items.value = list))
    .catch((error) => (problem.value = describeError(error)))
    .finally(() => (loading.value = false));
  return { items, loading, problem };
}
