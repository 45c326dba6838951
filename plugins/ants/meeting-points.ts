/**
 * Meeting points: the lieux ANTS lists on its national site. A lieu is one when it is open
 * (availability `enabled`), its organisation has the plugin on and at least one motif of an
 * ANTS category bookable online, and it has a structured address and coordinates (the hub
 * drops points without them). Its id is the lieu's uuid: unique on the instance, stable.
 */
import type { CoreLieu, CoreMotif, CoreOrganisation, PluginContext } from '../../platform/src/plugins/sdk';
import { ANTS_CATEGORIES, AntsConfig } from './config';

export interface MeetingPoint {
  id: string;
  name: string;
  longitude: number;
  latitude: number;
  public_entry_address: string;
  zip_code: string;
  city_name: string;
  website?: string;
}

/** A lieu as the admin screen shows it: published or not, and why not. */
export interface MeetingPointEntry {
  lieu_id: string;
  organisation_id: string;
  organisation_name: string;
  name: string;
  published: boolean;
  reasons: string[];
  meeting_point: MeetingPoint | null;
}

/** A published point with what the hub's searches need. */
export interface PublishedPoint {
  lieu: CoreLieu;
  organisation: CoreOrganisation;
  meetingPoint: MeetingPoint;
  /** The organisation's ANTS motifs bookable online. */
  motifs: CoreMotif[];
}

export const REASONS = {
  noOnlineMotif: "L'organisation n'a aucun motif carte d'identité ou passeport (catégorie cni, passport ou cni_passport) réservable en ligne",
  noAddress: "L'adresse structurée (rue, code postal, ville) manque",
  noCoordinates: 'Les coordonnées (latitude, longitude) manquent',
};

const filled = (text: string | null): text is string => text !== null && text.trim() !== '';

/** The point ANTS would list for this lieu, or the reasons it cannot (pure). */
export function meetingPointOf(lieu: CoreLieu, onlineMotifs: number, website: string): { meetingPoint: MeetingPoint | null; reasons: string[] } {
  const reasons: string[] = [];
  if (onlineMotifs === 0) reasons.push(REASONS.noOnlineMotif);
  if (!filled(lieu.street) || !filled(lieu.postcode) || !filled(lieu.city)) reasons.push(REASONS.noAddress);
  if (!Number.isFinite(lieu.latitude) || !Number.isFinite(lieu.longitude)) reasons.push(REASONS.noCoordinates);
  if (reasons.length) return { meetingPoint: null, reasons };
  return {
    reasons,
    meetingPoint: {
      id: lieu.id,
      name: lieu.name,
      longitude: lieu.longitude!,
      latitude: lieu.latitude!,
      public_entry_address: lieu.street!.trim(),
      zip_code: lieu.postcode!.trim(),
      city_name: lieu.city!.trim(),
      website,
    },
  };
}

/** Every open lieu (or those of `lieuIds`) of the organisations where the plugin is on, published or not, in this territory. */
export async function meetingPointEntries(ctx: PluginContext<AntsConfig>, lieuIds?: string[]): Promise<(MeetingPointEntry & { point: PublishedPoint | null })[]> {
  const organisations = (await ctx.core.organisations()).filter((organisation) => organisation.plugin_enabled);
  if (!organisations.length || lieuIds?.length === 0) return [];
  const organisationIds = organisations.map((organisation) => organisation.id);
  const lieux = await ctx.core.lieux(lieuIds ? { ids: lieuIds } : { organisationIds });
  if (!lieux.length) return [];
  const motifs = await ctx.core.motifs({ organisationIds: [...new Set(lieux.map((lieu) => lieu.organisation_id))], categories: [...ANTS_CATEGORIES] });
  const byId = new Map(organisations.map((organisation) => [organisation.id, organisation]));
  return lieux
    .filter((lieu) => lieu.availability === 'enabled' && byId.has(lieu.organisation_id))
    .map((lieu) => {
      const organisation = byId.get(lieu.organisation_id)!;
      const online = motifs.filter((motif) => motif.organisation_id === lieu.organisation_id && motif.bookable_by === 'everyone');
      const { meetingPoint, reasons } = meetingPointOf(lieu, online.length, ctx.core.links.publicOrganisation(organisation.slug));
      return {
        lieu_id: lieu.id,
        organisation_id: organisation.id,
        organisation_name: organisation.name,
        name: lieu.name,
        published: meetingPoint !== null,
        reasons,
        meeting_point: meetingPoint,
        point: meetingPoint && { lieu, organisation, meetingPoint, motifs: online },
      };
    })
    .sort((a, b) => a.organisation_name.localeCompare(b.organisation_name, 'fr') || a.name.localeCompare(b.name, 'fr'));
}

/** The published points of this territory (or those among `lieuIds`), by id. */
export async function publishedPoints(ctx: PluginContext<AntsConfig>, lieuIds?: string[]): Promise<Map<string, PublishedPoint>> {
  const entries = await meetingPointEntries(ctx, lieuIds);
  return new Map(entries.filter((entry) => entry.point).map((entry) => [entry.lieu_id, entry.point!]));
}
