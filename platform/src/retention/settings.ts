/**
 * How long the platform keeps what it holds about people (RGPD), read from the
 * environment. The defaults are the reference's (RDV Service Public's daily jobs); an
 * instance may choose another period within bounds: below the minimum a service could no
 * longer account for its work (rdvs of the year, who did what), above the maximum the
 * data would outlive its purpose. A value out of bounds stops the start with its reason.
 */
export interface RetentionSettings {
  /** Rdvs are deleted this many months after they start. */
  rdvMonths: number;
  /** Usagers with no rdv kept and no change for this many months are anonymised. */
  usagerMonths: number;
  /** Agents with no rdv kept and no sign-in for this many months are removed... */
  agentMonths: number;
  /** ...this many days after being told by email. */
  agentNoticeDays: number;
  /** Versions of records about people (usagers, rdvs) are deleted after this many months (the bounds keep it within `versionMonths`)... */
  personalVersionMonths: number;
  /** ...and every version after this many. */
  versionMonths: number;
  /** Notification receipts lose their recipient after this many months. */
  receiptMonths: number;
  /** Dispatched outbox events that every consumer settled, and job failures, go after this many days. */
  eventDays: number;
}

interface Bounded {
  env: string;
  unit: 'months' | 'days';
  default: number;
  min: number;
  max: number;
}

/** Each setting's variable, default and legal bounds (README's configuration table says the same). */
export const RETENTION_BOUNDS: Record<keyof RetentionSettings, Bounded> = {
  rdvMonths: { env: 'RETENTION_RDV_MONTHS', unit: 'months', default: 24, min: 12, max: 60 },
  usagerMonths: { env: 'RETENTION_USAGER_MONTHS', unit: 'months', default: 24, min: 12, max: 36 },
  agentMonths: { env: 'RETENTION_AGENT_MONTHS', unit: 'months', default: 24, min: 12, max: 36 },
  agentNoticeDays: { env: 'RETENTION_AGENT_NOTICE_DAYS', unit: 'days', default: 30, min: 15, max: 90 },
  personalVersionMonths: { env: 'RETENTION_PERSONAL_VERSION_MONTHS', unit: 'months', default: 12, min: 6, max: 24 },
  versionMonths: { env: 'RETENTION_VERSION_MONTHS', unit: 'months', default: 60, min: 24, max: 120 },
  receiptMonths: { env: 'RETENTION_RECEIPT_MONTHS', unit: 'months', default: 6, min: 3, max: 12 },
  eventDays: { env: 'RETENTION_EVENT_DAYS', unit: 'days', default: 30, min: 7, max: 90 },
};

/** The settings from the environment; throws, naming the variable and its bounds, when one is out of them. */
export function readRetentionSettings(env: Record<string, string | undefined>): RetentionSettings {
  const settings = {} as RetentionSettings;
  const problems: string[] = [];
  for (const [name, bounds] of Object.entries(RETENTION_BOUNDS) as [keyof RetentionSettings, Bounded][]) {
    const given = env[bounds.env];
    const value = given === undefined || given === '' ? bounds.default : Number(given);
    if (!Number.isInteger(value) || value < bounds.min || value > bounds.max) {
      problems.push(`${bounds.env} must be a whole number of ${bounds.unit} from ${bounds.min} to ${bounds.max} (legal bounds; default ${bounds.default}), not "${given}"`);
    }
    settings[name] = value;
  }
  if (problems.length) throw new Error(`Retention settings refused: ${problems.join('; ')}`);
  return settings;
}
