/**
 * The merge fields (champs de fusion) of notification templates: ONE catalogue
 * that says what each field is, how its value is computed from an rdv, how long
 * it can get and what it shows in a preview. Template validation, the worst-case
 * SMS length, the render context, previews and the admin docs all read it.
 */
import { DateTime } from 'luxon';

/** What a notification says about one rdv, as the caller loads it; dates are instants. */
export interface RdvNotificationFacts {
  /** IANA zone of the territory (Europe/Paris, America/Cayenne...): dates are written in it. */
  timezone: string;
  rdv: {
    startsAt: Date;
    durationInMin: number;
    /** The former start, for a moved rdv. */
    previousStartsAt?: Date | null;
    /** The usager's self-service link (recap, cancel, move). */
    manageUrl: string;
  };
  usager: { firstName: string; lastName: string };
  motif: { name: string; instructionForRdv?: string | null };
  /** The label of the motif's option chosen at booking; null when the motif has none. */
  motifOption?: string | null;
  /** Null for motifs at a distance (phone, visio) or at home. */
  lieu: { name: string; address: string } | null;
  agentNames: string[];
  service: { name: string };
  organisation: { name: string; phone?: string | null; email?: string | null };
}

/**
 * - `gsm`: the value is always written with GSM-7 characters (digits, "h", "min", links).
 * - `unicode`: it may hold any character, which switches the whole SMS to UCS-2.
 */
export type MergeFieldAlphabet = 'gsm' | 'unicode';

export interface MergeField {
  /** Dotted name written in templates: {{usager.first_name}}. */
  name: string;
  /** For the territory admins who write templates (French, like them). */
  description: string;
  /**
   * The longest value an SMS carries, in SMS characters (a GSM-7 extension
   * character such as € counts two). SMS values are clipped to it, which bounds
   * the worst case checked when a template is saved.
   */
  maxLength: number;
  alphabet: MergeFieldAlphabet;
  /** Clipping would break the value (a link): it is never clipped, and a longer one is refused when rendering. */
  clip: boolean;
  /** May reveal private matters: left out of SMS unless the territory allows it. */
  privateInSms: boolean;
  value: (facts: RdvNotificationFacts) => string;
  /** The value for the sample rdv, shown in previews and docs. */
  sample: string;
}

/** Monday 7 December 2026, 09:00 in Paris, moved from Friday 4 at 14:30. */
export const SAMPLE_FACTS: RdvNotificationFacts = {
  timezone: 'Europe/Paris',
  rdv: {
    startsAt: new Date('2026-12-07T08:00:00Z'),
    durationInMin: 30,
    previousStartsAt: new Date('2026-12-04T13:30:00Z'),
    manageUrl: 'https://rdv.example.fr/r/k3J9xQ2mVb7LpT4wZs8NcY',
  },
  usager: { firstName: 'Camille', lastName: 'Martin' },
  motif: {
    name: "Demande de carte d'identité",
    instructionForRdv: "Munissez-vous de votre ancienne carte d'identité et d'une photo de moins de 6 mois.",
  },
  motifOption: 'Passeport',
  lieu: { name: 'Mairie annexe du 3e', address: '18 rue François Garcin, 69003 Lyon' },
  agentNames: ['Marie Dupont'],
  service: { name: 'État civil' },
  organisation: { name: 'Mairie de Lyon 3e', phone: '04 72 00 00 00', email: 'etat-civil@mairie3.example.fr' },
};

function inZone(instant: Date, zone: string): DateTime {
  return DateTime.fromJSDate(instant, { zone }).setLocale('fr');
}

/** "lundi 7 décembre 2026", "mardi 1er septembre 2026". */
function frenchDate(instant: Date, zone: string): string {
  const local = inZone(instant, zone);
  const day = local.day === 1 ? '1er' : String(local.day);
  return `${local.toFormat('cccc')} ${day} ${local.toFormat('LLLL yyyy')}`;
}

/** "09h00". */
function frenchTime(instant: Date, zone: string): string {
  return inZone(instant, zone).toFormat("HH'h'mm");
}

/** "lundi 7 décembre 2026 à 09h00". */
export function frenchDateTime(instant: Date, zone: string): string {
  return `${frenchDate(instant, zone)} à ${frenchTime(instant, zone)}`;
}

/** "45 min", "1 h", "1 h 30". */
function frenchDuration(minutes: number): string {
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? `${hours} h` : `${hours} h ${String(rest).padStart(2, '0')}`;
}

type FieldSpec = Omit<MergeField, 'sample' | 'clip' | 'privateInSms'> & Partial<Pick<MergeField, 'clip' | 'privateInSms'>>;

function field(spec: FieldSpec): MergeField {
  return { clip: true, privateInSms: false, ...spec, sample: spec.value(SAMPLE_FACTS) };
}

export const MERGE_FIELDS: readonly MergeField[] = [
  field({
    name: 'usager.first_name',
    description: "Prénom de l'usager",
    maxLength: 40,
    alphabet: 'unicode',
    value: (f) => f.usager.firstName,
  }),
  field({
    name: 'usager.last_name',
    description: "Nom de l'usager",
    maxLength: 40,
    alphabet: 'unicode',
    value: (f) => f.usager.lastName,
  }),
  field({
    name: 'usager.full_name',
    description: "Prénom et nom de l'usager",
    maxLength: 60,
    alphabet: 'unicode',
    value: (f) => `${f.usager.firstName} ${f.usager.lastName}`.trim(),
  }),
  field({
    name: 'rdv.date_time',
    description: 'Date et heure du rendez-vous, dans le fuseau du territoire (lundi 7 décembre 2026 à 09h00)',
    maxLength: 36,
    alphabet: 'unicode', // "août"
    value: (f) => frenchDateTime(f.rdv.startsAt, f.timezone),
  }),
  field({
    name: 'rdv.date',
    description: 'Date du rendez-vous (lundi 7 décembre 2026)',
    maxLength: 28,
    alphabet: 'unicode',
    value: (f) => frenchDate(f.rdv.startsAt, f.timezone),
  }),
  field({
    name: 'rdv.time',
    description: 'Heure du rendez-vous (09h00)',
    maxLength: 5,
    alphabet: 'gsm',
    value: (f) => frenchTime(f.rdv.startsAt, f.timezone),
  }),
  field({
    name: 'rdv.previous_date_time',
    description: "Date et heure d'avant la modification ; vide si le rendez-vous n'a pas été déplacé",
    maxLength: 36,
    alphabet: 'unicode',
    value: (f) => (f.rdv.previousStartsAt ? frenchDateTime(f.rdv.previousStartsAt, f.timezone) : ''),
  }),
  field({
    name: 'rdv.duration',
    description: 'Durée du rendez-vous (30 min, 1 h 30)',
    maxLength: 10,
    alphabet: 'gsm',
    value: (f) => frenchDuration(f.rdv.durationInMin),
  }),
  field({
    name: 'rdv.manage_url',
    description: "Lien où l'usager consulte, déplace ou annule son rendez-vous",
    maxLength: 80,
    alphabet: 'gsm',
    clip: false,
    value: (f) => new URL(f.rdv.manageUrl).href, // ASCII whatever was given (punycode, percent-encoding)
  }),
  field({
    name: 'motif.name',
    description: "Motif du rendez-vous ; absent des SMS sauf si le territoire l'autorise (il peut révéler une situation personnelle)",
    maxLength: 80,
    alphabet: 'unicode',
    privateInSms: true,
    value: (f) => f.motif.name,
  }),
  field({
    name: 'motif.instructions',
    description: 'Instructions du motif à donner à l’usager (pièces à apporter...) ; peut être vide',
    maxLength: 500,
    alphabet: 'unicode',
    value: (f) => f.motif.instructionForRdv ?? '',
  }),
  field({
    name: 'motif.option',
    description: "Option du motif choisie à la réservation (par exemple « Passeport ») ; vide quand le motif n'en a pas ; absente des SMS sauf si le territoire l'autorise",
    maxLength: 100,
    alphabet: 'unicode',
    privateInSms: true,
    value: (f) => f.motifOption ?? '',
  }),
  field({
    name: 'lieu.name',
    description: 'Nom du lieu ; vide pour un rendez-vous téléphonique, en visio ou à domicile',
    maxLength: 60,
    alphabet: 'unicode',
    value: (f) => f.lieu?.name ?? '',
  }),
  field({
    name: 'lieu.address',
    description: 'Adresse du lieu ; vide sans lieu',
    maxLength: 100,
    alphabet: 'unicode',
    value: (f) => f.lieu?.address ?? '',
  }),
  field({
    name: 'agents.names',
    description: 'Noms des agents du rendez-vous, séparés par des virgules',
    maxLength: 100,
    alphabet: 'unicode',
    value: (f) => f.agentNames.join(', '),
  }),
  field({
    name: 'service.name',
    description: 'Service qui reçoit (État civil, Urbanisme...)',
    maxLength: 50,
    alphabet: 'unicode',
    value: (f) => f.service.name,
  }),
  field({
    name: 'organisation.name',
    description: "Nom de l'organisation",
    maxLength: 60,
    alphabet: 'unicode',
    value: (f) => f.organisation.name,
  }),
  field({
    name: 'organisation.phone',
    description: "Téléphone de l'organisation ; peut être vide",
    maxLength: 20,
    alphabet: 'gsm',
    value: (f) => f.organisation.phone ?? '',
  }),
  field({
    name: 'organisation.email',
    description: "Adresse email de l'organisation ; peut être vide",
    maxLength: 80,
    alphabet: 'unicode',
    value: (f) => f.organisation.email ?? '',
  }),
];

const FIELDS_BY_NAME = new Map(MERGE_FIELDS.map((mergeField) => [mergeField.name, mergeField]));

export function findMergeField(name: string): MergeField | undefined {
  return FIELDS_BY_NAME.get(name);
}

/** The catalogue as data for the admin UI and docs. */
export function describeMergeFields(): Array<Omit<MergeField, 'value'>> {
  return MERGE_FIELDS.map(({ value: _value, ...description }) => description);
}
