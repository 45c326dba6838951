import { ref } from 'vue';
import { describeError } from './errors';

/** A confirmed removal: asks, runs once, keeps the dialog open with the server's reason when refused. */
export function useRemoval<T>(remove: (item: T) => Promise<void>) {
  const target = ref<T | null>(null) as { value: T | null };
  const open = ref(false);
  const busy = ref(false);
  const problem = ref<string | null>(null);

  function ask(item: T): void {
    target.value = item;
    problem.value = null;
    open.value = true;
  }

  async function confirm(): Promise<void> {
    if (busy.value || target.value === null) return;
    busy.value = true;
    try {
      await remove(target.value);
      open.value = false;
    } catch (error) {
      problem.value = describeError(error);
    } finally {
      busy.value = false;
    }
  }

  return { target, open, busy, problem, ask, confirm };
}

export type Removal<T> = ReturnType<typeof useRemoval<T>>;
