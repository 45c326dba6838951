import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import type { RouteLocationRaw } from 'vue-router';
import type { Audience } from '../api/public';
import type { ConfirmedRdv, Creneau, PendingRdv } from '../api/types';
import { audienceQuery } from '../composables/audience';

/** How long the platform holds a slot while the email code is awaited, when it does not say. */
export const DEFAULT_HOLD_MINUTES = 10;

/** Why the usager is back at the slot choice. */
export type SlotNotice = 'taken' | 'expired';

export interface Hold extends PendingRdv {
  /** Epoch milliseconds after which the slot is released. */
  expiresAtMs: number;
}

interface Saved {
  slug: string | null;
  audience: Audience;
  motifId: string | null;
  /** The motif's option chosen, when it has options. */
  motifOption?: string | null;
  creneau: Creneau | null;
  hold: Hold | null;
  confirmed: ConfirmedRdv | null;
}

/** Kept for the tab's life so a reload on the code page keeps the hold; the usager's answers are not kept. */
const STORAGE_KEY = 'lapin.booking';

function restore(): Saved {
  try {
    const saved = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? 'null') as Saved | null;
    if (saved) return saved;
  } catch {
    /* unreadable: start afresh */
  }
  return { slug: null, audience: 'usager', motifId: null, creneau: null, hold: null, confirmed: null };
}

/** The booking in progress, from the chosen slot to the confirmed rdv. */
export const useBookingStore = defineStore('booking', () => {
  const saved = restore();
  const slug = ref(saved.slug);
  /** Which entrance the booking came through: a prescripteur's books for a bénéficiaire. */
  const audience = ref<Audience>(saved.audience);
  const motifId = ref(saved.motifId);
  const motifOption = ref(saved.motifOption ?? null);
  const creneau = ref<Creneau | null>(saved.creneau);
  const hold = ref<Hold | null>(saved.hold);
  const confirmed = ref<ConfirmedRdv | null>(saved.confirmed);
  const notice = ref<SlotNotice | null>(null);

  /** What the usager typed, kept across a trip back to the slots (not saved). */
  const userValues = ref<Record<string, unknown>>({});
  const prescripteurValues = ref<Record<string, unknown>>({});
  const asPrescripteur = ref(saved.audience === 'prescripteur');

  watch([slug, audience, motifId, motifOption, creneau, hold, confirmed], () => {
    const value: Saved = {
      slug: slug.value, audience: audience.value, motifId: motifId.value, motifOption: motifOption.value, creneau: creneau.value, hold: hold.value, confirmed: confirmed.value,
    };
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(value));
  }, { deep: true });

  /** Back to the slot grid this booking came from: same motif, entrance, lieu and week. */
  const slotsRoute = computed<RouteLocationRaw | null>(() => {
    if (!slug.value || !motifId.value) return null;
    const chosen = creneau.value ? { lieu: creneau.value.lieu_id, semaine: creneau.value.starts_at.slice(0, 10) } : {};
    const option = motifOption.value ? { option: motifOption.value } : {};
    return { name: 'creneaux', params: { slug: slug.value, motifId: motifId.value }, query: { ...audienceQuery(audience.value), ...chosen, ...option } };
  });

  function chooseSlot(organisationSlug: string, entrance: Audience, chosen: Creneau, option: string | null = null): void {
    if (slug.value !== organisationSlug || audience.value !== entrance) {
      userValues.value = {};
      prescripteurValues.value = {};
      asPrescripteur.value = entrance === 'prescripteur';
    }
    slug.value = organisationSlug;
    audience.value = entrance;
    motifId.value = chosen.motif_id;
    motifOption.value = option;
    creneau.value = chosen;
    hold.value = null;
    confirmed.value = null;
    notice.value = null;
  }

  function held(pending: PendingRdv): void {
    const expiresAtMs = pending.expires_at ? Date.parse(pending.expires_at) : Date.now() + DEFAULT_HOLD_MINUTES * 60_000;
    hold.value = { ...pending, expiresAtMs };
  }

  /** The slot is lost (taken by someone else, or the hold ran out): back to choosing one. */
  function loseSlot(reason: SlotNotice): void {
    creneau.value = null;
    hold.value = null;
    notice.value = reason;
  }

  function confirm(rdv: ConfirmedRdv): void {
    // From the email's link, the store may know nothing else of this booking.
    slug.value = rdv.organisation.slug;
    confirmed.value = rdv;
    hold.value = null;
    creneau.value = null;
    userValues.value = {};
    prescripteurValues.value = {};
    asPrescripteur.value = false;
  }

  return { slug, audience, motifId, motifOption, slotsRoute, creneau, hold, confirmed, notice, userValues, prescripteurValues, asPrescripteur, chooseSlot, held, loseSlot, confirm };
});
