import type { FieldError } from '../errors';
import type { FieldsDocument } from '../forms/custom-fields';
import { fieldsDocumentErrors } from '../forms/forms';
import { FORM_KINDS } from '../forms/kinds';
import type { SchemaRegistry } from '../http/schemas';
import { notificationsDocumentErrors } from '../notifications/document';
import type { PluginDefinition } from '../plugins/sdk';

/** A rule a configuration document's JSON Schema cannot express; answers field errors with the document's paths. */
export type DocumentRule = (document: Record<string, unknown>, schemas: SchemaRegistry, plugins: readonly PluginDefinition<any>[]) => FieldError[];

/** Checked after the schema, before a version is stored: a refused document leaves the previous version in force. */
export const DOCUMENT_RULES: Record<string, DocumentRule> = {
  user_fields: (document, schemas, plugins) => fieldsDocumentErrors(FORM_KINDS.user, document as unknown as FieldsDocument, schemas, plugins),
  rdv_fields: (document, schemas, plugins) => fieldsDocumentErrors(FORM_KINDS.rdv, document as unknown as FieldsDocument, schemas, plugins),
  notifications: (document) => notificationsDocumentErrors(document),
};
