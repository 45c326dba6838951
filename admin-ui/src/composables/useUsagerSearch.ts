import { computed, ref, watch } from 'vue';
import { api, type ListBody } from '../api/client';
import type { UsagerSummary } from '../api/types';

/** "MARTIN Camille" */
export function usagerShortLabel(user: Pick<UsagerSummary, 'first_name' | 'last_name'>): string {
  return `${user.last_name.toUpperCase()} ${user.first_name}`;
}

/**
 * An organisation's usagers searched as the agent types (a moment after each keystroke; the
 * latest answer wins), as items of a picker whose chosen usagers keep their names when the
 * results change. `query` is the picker's v-model:search.
 */
export function useUsagerSearch(organisationId: string, chosen: () => string[], onError: (error: unknown) => void) {
  const known = ref(new Map<string, UsagerSummary>());
  const results = ref<UsagerSummary[]>([]);
  const query = ref('');
  const searching = ref(false);
  const label = (user: UsagerSummary) => [usagerShortLabel(user), user.email, user.phone_number].filter(Boolean).join(' · ');
  const items = computed(() => {
    const picked = chosen().map((id) => known.value.get(id)).filter((user): user is UsagerSummary => user !== undefined);
    const rows = [...picked, ...results.value.filter((user) => !picked.some((other) => other.id === user.id))];
    return rows.map((user) => ({ title: label(user), value: user.id }));
  });

  let latest = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  async function search(): Promise<void> {
    const call = ++latest;
    searching.value = true;
    try {
      const body = await api.get<ListBody<UsagerSummary>>(`/api/v1/organisations/${organisationId}/users`, {
        search: query.value?.trim() || undefined, per_page: 20,
      });
      if (call !== latest) return;
      results.value = body.data;
      for (const user of body.data) known.value.set(user.id, user);
    } catch (error) {
      if (call === latest) onError(error);
    } finally {
      if (call === latest) searching.value = false;
    }
  }
  watch(query, () => {
    clearTimeout(timer);
    timer = setTimeout(search, 250);
  });
  void search();

  /** An usager the picker holds without a search having found them (created, or already in the record). */
  function remember(user: UsagerSummary): void {
    known.value.set(user.id, user);
  }

  return { known, query, searching, items, remember };
}
