import type { FieldError } from '../errors';
import type { FieldsDocument } from '../forms/custom-fields';
import { fieldsDocumentErrors } from '../forms/forms';
import { FORM_KINDS } from '../forms/kinds';
import type { SchemaRegistry } from '../http/schemas';
import { notificationsDocumentErrors } from '../notifications/document';

/** A rule a configuration document's JSON Schema cannot express; answers field errors with the document's paths. */
export type DocumentRule = (document: Record<string, unknown>, schemas: SchemaRegistry) => FieldError[];

/** Checked after the schema, before a version is stored: a refused document leaves the previous version in force. */
export const DOCUMENT_RULES: Record<string, DocumentRule> = {
  user_fields: (document, schemas) => fieldsDocumentErrors(FORM_KINDS.user, document as unknown as FieldsDocument, schemas),
  rdv_fields: (document, schemas) => fieldsDocumentErrors(FORM_KINDS.rdv, document as unknown as FieldsDocument, schemas),
  notifications: (document) => notificationsDocumentErrors(document),
};
