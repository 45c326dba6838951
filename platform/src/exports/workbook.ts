/**
 * The export's spreadsheet: the reference's columns (INTEGRATIONS.md §4) in its order, then
 * the territory's rdv fields and the usager fields, written row by row by exceljs's
 * streaming writer. Dates and times are typed cells showing the territory's wall time;
 * text that a spreadsheet would run as a formula is neutralised.
 */
import { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import { DateTime } from 'luxon';
import type { CustomField } from '../forms/custom-fields';

/** A cell's value as exceljs writes it: typed, or text. */
export type CellValue = string | number | Date | null;

export interface ExportColumn {
  header: string;
  key: string;
  width: number;
  numFmt?: string;
}

const DATE = 'dd/mm/yyyy';
const TIME = 'hh:mm';

/** The reference's rdv export columns, in its order. */
export const REFERENCE_COLUMNS: ExportColumn[] = [
  { header: 'année', key: 'year', width: 8 },
  { header: 'date prise rdv', key: 'booked_date', width: 14, numFmt: DATE },
  { header: 'heure prise rdv', key: 'booked_time', width: 10, numFmt: TIME },
  { header: 'origine', key: 'origin', width: 14 },
  { header: 'date rdv', key: 'date', width: 12, numFmt: DATE },
  { header: 'heure rdv', key: 'time', width: 10, numFmt: TIME },
  { header: 'service', key: 'service', width: 20 },
  { header: 'motif', key: 'motif', width: 30 },
  { header: 'contexte', key: 'context', width: 30 },
  { header: 'statut', key: 'status', width: 14 },
  { header: 'lieu', key: 'lieu', width: 24 },
  { header: 'professionnel.le(s)', key: 'agents', width: 28 },
  { header: 'usager(s)', key: 'usagers', width: 28 },
  { header: 'commune du premier responsable', key: 'city', width: 22 },
  { header: 'au moins un usager mineur ?', key: 'minor', width: 10 },
  { header: 'résultat des notifications', key: 'notifications', width: 24 },
  { header: 'organisation', key: 'organisation', width: 24 },
  { header: 'date(s) de naissance', key: 'birth_dates', width: 20 },
  { header: 'code postal du premier responsable', key: 'postal_code', width: 12 },
  { header: 'créé par', key: 'created_by', width: 22 },
  { header: 'e-mail(s) professionnel.le(s)', key: 'agent_emails', width: 30 },
];

/** The participations export: one row per usager of an rdv, their status beside the rdv's. */
export const PARTICIPATION_COLUMNS: ExportColumn[] = [
  ...REFERENCE_COLUMNS.slice(0, 10),
  { header: 'statut de la participation', key: 'participation_status', width: 14 },
  ...REFERENCE_COLUMNS.slice(10),
];

/** The usager's standard fields, as the fiche usager names them. */
export const USAGER_FIELD_LABELS: Record<string, string> = {
  first_name: 'prénom', last_name: 'nom', birth_name: 'nom de naissance', email: 'e-mail', phone_number: 'téléphone',
  birth_date: 'date de naissance', address: 'adresse',
};

export function customColumns(prefix: string, headerPrefix: string, fields: CustomField[]): ExportColumn[] {
  return fields.map((field) => ({
    header: `${headerPrefix}${field.label}`,
    key: `${prefix}${field.name}`,
    width: 18,
    ...(field.type === 'date' ? { numFmt: DATE } : {}),
  }));
}

/** OWASP's list: a cell beginning so may run as a formula in a spreadsheet; a leading quote keeps it text. */
const FORMULA_START = /^[=+\-@\t\r]/;

export function neutralised(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/**
 * An instant as a spreadsheet date: spreadsheets have no time zones, so the cell holds the
 * territory's wall-clock date and time (exceljs writes a Date's UTC fields).
 */
export function wallDate(instant: Date, zone: string): Date {
  const local = DateTime.fromJSDate(instant, { zone });
  return new Date(Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second));
}

/** A `YYYY-MM-DD` date as a spreadsheet date. */
export function dayDate(day: string): Date {
  return new Date(`${day}T00:00:00Z`);
}

/** A custom field's value, typed as its field says. */
export function customCell(field: CustomField, value: unknown): CellValue {
  if (value === undefined || value === null || value === '') return null;
  switch (field.type) {
    case 'number':
    case 'integer':
      return typeof value === 'number' ? value : Number(value);
    case 'date':
      return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) ? dayDate(value) : neutralised(String(value));
    case 'boolean':
      return value === true ? 'Oui' : 'Non';
    case 'enum': {
      const option = field.options?.find((candidate) => (typeof candidate === 'string' ? candidate : candidate.value) === value);
      return neutralised(option && typeof option !== 'string' ? option.label : String(value));
    }
    default:
      return neutralised(Array.isArray(value) ? value.join(', ') : String(value));
  }
}

/** A streaming workbook of one sheet whose bytes go to `output`. */
export function openSheet(output: Writable, title: string, columns: ExportColumn[]) {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: output, useStyles: true, useSharedStrings: false });
  const sheet = workbook.addWorksheet(title, { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = columns.map((column) => ({ header: column.header, key: column.key, width: column.width }));
  sheet.getRow(1).font = { bold: true };
  sheet.getRow(1).commit();
  // One style object per column, given to each of its cells: exceljs then registers it once
  // (by identity) instead of once per cell, a third of the writing time.
  const styles = columns.map((column) => (column.numFmt ? { numFmt: column.numFmt } : {}));
  return {
    add(values: Record<string, CellValue>): void {
      const row = sheet.addRow(values);
      row.eachCell({ includeEmpty: true }, (cell, index) => {
        cell.style = styles[index - 1];
      });
      row.commit();
    },
    async close(): Promise<void> {
      sheet.commit();
      await workbook.commit();
    },
  };
}
