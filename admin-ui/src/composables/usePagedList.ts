import { computed, ref, type Ref } from 'vue';
import type { ListBody } from '../api/client';
import { describeError } from './errors';

/**
 * A list the API answers page by page (`{data, meta}`), loaded again when its criteria
 * change: the count, the current page, and the latest answer only (a slower answer to an
 * older search never replaces a newer one).
 */
export function usePagedList<T>(fetch: (page: { page: number; per_page: number }) => Promise<ListBody<T>>, perPage = 50) {
  const items = ref([]) as Ref<T[]>;
  const total = ref(0);
  const page = ref(1);
  const loading = ref(true);
  const problem = ref<string | null>(null);
  const pages = computed(() => Math.ceil(total.value / perPage));
  let latest = 0;

  async function load(): Promise<void> {
    const call = ++latest;
    loading.value = true;
    problem.value = null;
    try {
      const body = await fetch({ page: page.value, per_page: perPage });
      if (call !== latest) return;
      items.value = body.data;
      total.value = body.meta.total_count;
    } catch (error) {
      if (call === latest) problem.value = describeError(error);
    } finally {
      if (call === latest) loading.value = false;
    }
  }

  /** New criteria: back to the first page. */
  function reload(): Promise<void> {
    page.value = 1;
    return load();
  }

  return { items, total, page, pages, loading, problem, load, reload };
}
