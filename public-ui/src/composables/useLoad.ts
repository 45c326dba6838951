import { ref, shallowRef } from 'vue';
import { describeError } from './problems';

/** Data a screen fetches, with its loading state and the usager-facing reason when it failed. */
export function useLoad<T>(fetch: () => Promise<T>, notFound?: string) {
  const data = shallowRef<T | null>(null);
  const loading = ref(false);
  const problem = ref<string | null>(null);

  async function load(): Promise<void> {
    loading.value = true;
    problem.value = null;
    try {
      data.value = await fetch();
    } catch (error) {
      problem.value = describeError(error, notFound);
    } finally {
      loading.value = false;
    }
  }

  return { data, loading, problem, load };
}
