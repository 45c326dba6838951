import { defineStore } from 'pinia';
import { ref } from 'vue';
import { Audience, publicApi } from '../api/public';
import type { PublicOrganisation } from '../api/types';

/** Organisations already fetched in this visit, by slug and audience: every booking screen needs the one it is in. */
export const useOrganisationStore = defineStore('organisation', () => {
  const known = ref(new Map<string, PublicOrganisation>());

  async function load(slug: string, audience: Audience): Promise<PublicOrganisation> {
    const key = `${audience}/${slug}`;
    const cached = known.value.get(key);
    if (cached) return cached;
    const organisation = await publicApi.organisation(slug, audience);
    known.value.set(key, organisation);
    return organisation;
  }

  return { load };
});
