import { computed, nextTick, onBeforeUnmount, ref, Ref, shallowRef, watch } from 'vue';
import { onBeforeRouteLeave } from 'vue-router';
import { ApiError, FieldError } from '../api/client';
import { fieldsForMotif, fieldsOf, FieldSpec, messagesByPath } from '@shared/forms/fields';
import { JsonSchema, loadSchemas, normalizeForSchema, SchemaRegistry } from '../api/schemas';
import { i18n, serverMessage, validationMessage } from '../i18n';
import { draftKey, dropDraft, readDraft, writeDraft } from '../stores/drafts';
import { useSessionStore } from '../stores/session';
import { describeError } from './errors';

export interface SchemaFormOptions<T> {
  /** `$id` of a platform schema (`api/motif.json`), or a whole schema (a territory's form). */
  schema: string | Ref<JsonSchema | undefined>;
  /** Names the form's draft (`motif.<org>.new`); no draft without it. */
  draft?: string | Ref<string>;
  empty(): T;
  /** Sends the normalized, valid body; throws ApiError when refused. */
  submit(body: Record<string, unknown>): Promise<unknown>;
}

export interface FieldBinding {
  id: string;
  label: string;
  'error-messages': string[];
  counter?: number;
  'aria-required'?: 'true';
}

function valueAt(record: Record<string, any>, path: string): unknown {
  return path.split('.').reduce<any>((node, key) => (node == null ? undefined : node[key]), record);
}

function isEmpty(entered: unknown): boolean {
  return entered === '' || entered === undefined || entered === null;
}

export function fieldId(path: string): string {
  return `field-${path.replace(/[^A-Za-z0-9_-]/g, '-')}`;
}

/**
 * A form validated in the browser with the platform's schema, showing the server's field
 * errors on the same inputs, saving once at a time, and keeping what was typed as a draft
 * until it is saved (a session that expires mid-form loses nothing).
 */
export function useSchemaForm<T extends Record<string, any>>(options: SchemaFormOptions<T>) {
  const t = i18n.global.t;
  const session = useSessionStore();
  const registry = shallowRef<SchemaRegistry>();
  const value = ref(options.empty()) as Ref<T>;
  const baseline = ref(JSON.stringify(value.value));
  const errors = ref<Record<string, string>>({});
  const problem = ref<string | null>(null);
  const saving = ref(false);
  const attempted = ref(false);
  const draftRestored = ref(false);
  /** Counts refused saves: a view may open the tab or panel holding the first error. */
  const refusals = ref(0);

  const schema = computed(() => (typeof options.schema === 'string' ? options.schema : options.schema.value));
  const key = computed(() => {
    const name = typeof options.draft === 'string' ? options.draft : options.draft?.value;
    return name && session.agent ? draftKey(session.agent.id, name) : undefined;
  });

  loadSchemas().then((loaded) => (registry.value = loaded)).catch((error) => (problem.value = describeError(error)));

  function restoreDraft(): void {
    const saved = key.value ? readDraft<T>(key.value) : undefined;
    draftRestored.value = saved !== undefined;
    if (saved !== undefined) value.value = saved;
  }
  restoreDraft();
  watch(key, restoreDraft);

  let pending: ReturnType<typeof setTimeout> | undefined;
  /** Set when the agent leaves the form on purpose: nothing is kept after that. */
  let abandoned = false;
  function flushDraft(): void {
    clearTimeout(pending);
    pending = undefined;
    if (!key.value || abandoned) return;
    const current = JSON.stringify(value.value);
    if (current === baseline.value) dropDraft(key.value);
    else writeDraft(key.value, value.value);
  }
  watch(value, () => {
    clearTimeout(pending);
    pending = setTimeout(flushDraft, 250);
    if (attempted.value) validate();
  }, { deep: true });
  onBeforeUnmount(flushDraft);

  // Leaving the form on purpose drops its draft; a session that expired keeps it for later.
  onBeforeRouteLeave(() => {
    flushDraft();
    if (session.token && key.value) {
      abandoned = true;
      dropDraft(key.value);
    }
  });

  let loaded = false;
  /**
   * The server's version of the record; a restored draft stays on screen until discarded,
   * and the fields typed before the record first arrived keep what was typed.
   */
  function load(record: T): void {
    const before: Record<string, unknown> = JSON.parse(baseline.value);
    // Records are JSON; a copy through JSON also drops reactive proxies (structuredClone refuses them).
    baseline.value = JSON.stringify(record);
    if (draftRestored.value) return;
    const next: Record<string, unknown> = JSON.parse(baseline.value);
    if (!loaded) {
      for (const [field, typed] of Object.entries(value.value)) {
        if (JSON.stringify(typed) !== JSON.stringify(before[field])) next[field] = typed;
      }
    }
    loaded = true;
    value.value = next as T;
  }

  function discardDraft(): void {
    value.value = JSON.parse(baseline.value);
    draftRestored.value = false;
    if (key.value) dropDraft(key.value);
  }

  function body(): Record<string, unknown> {
    if (!registry.value || !schema.value) return { ...value.value };
    return normalizeForSchema(registry.value, schema.value, value.value);
  }

  function showErrors(list: FieldError[]): void {
    errors.value = Object.fromEntries(list.map((error) => [error.path, error.message]));
  }

  function validate(): boolean {
    if (!registry.value || !schema.value) return true;
    const messages = messagesByPath(registry.value.validate(schema.value, body()), validationMessage);
    // An empty field breaks its format or its minimum length first: what it lacks is a value.
    for (const path of Object.keys(messages)) if (isEmpty(valueAt(value.value, path))) messages[path] = t('validation.required');
    errors.value = messages;
    return Object.keys(messages).length === 0;
  }

  async function focusFirstError(): Promise<void> {
    // The field may sit in a tab or panel that opens for it: wait for it to be drawn.
    await nextTick();
    await new Promise((resolve) => requestAnimationFrame(resolve));
    const shown = Object.keys(errors.value)
      .map((path) => document.getElementById(fieldId(path)))
      .filter((element): element is HTMLElement => element !== null && element.getClientRects().length > 0)
      .sort((a, b) => (a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1));
    (shown[0] ?? document.getElementById('form-problem'))?.focus();
  }

  /** Validates, then submits once; answers whether it was saved. */
  async function save(): Promise<boolean> {
    if (saving.value) return false;
    flushDraft();
    attempted.value = true;
    problem.value = null;
    if (!registry.value) {
      try {
        registry.value = await loadSchemas();
      } catch (error) {
        problem.value = describeError(error);
        return false;
      }
    }
    if (!validate()) {
      problem.value = t('form.fix', Object.keys(errors.value).length);
      refusals.value++;
      await focusFirstError();
      return false;
    }
    saving.value = true;
    try {
      await options.submit(body());
      baseline.value = JSON.stringify(value.value);
      draftRestored.value = false;
      if (key.value) dropDraft(key.value);
      attempted.value = false;
      return true;
    } catch (error) {
      if (error instanceof ApiError) showErrors(error.fieldErrors.map((e) => ({ path: e.path, message: serverMessage(e.message) })));
      problem.value = describeError(error);
      refusals.value++;
      await focusFirstError();
      return false;
    } finally {
      saving.value = false;
    }
  }

  function bind(path: string, label: string): FieldBinding {
    const info = registry.value && schema.value ? registry.value.property(schema.value, path) : undefined;
    const message = errors.value[path];
    return {
      id: fieldId(path),
      label: info?.required ? `${label} *` : label,
      'error-messages': message ? [message] : [],
      ...(info?.maxLength && info.maxLength <= 10000 ? { counter: info.maxLength } : {}),
      ...(info?.required ? { 'aria-required': 'true' as const } : {}),
    };
  }

  /** The fields of a schema-driven part of the form (SchemaFields.vue); a plugin's field meant for other motifs' categories left out. */
  function fields(of: JsonSchema, uischema?: JsonSchema, motifCategory?: string | null): FieldSpec[] {
    return registry.value ? fieldsForMotif(fieldsOf(registry.value, of, uischema), motifCategory) : [];
  }

  /** A schema-driven field's binding: `bind`'s, with the schema's description as a hint. */
  function bindField(field: FieldSpec): FieldBinding & { hint?: string; 'persistent-hint': boolean } {
    return { ...bind(field.path, field.label), hint: field.help, 'persistent-hint': Boolean(field.help) };
  }

  const dirty = computed(() => JSON.stringify(value.value) !== baseline.value);

  return { value, errors, problem, saving, draftRestored, refusals, dirty, registry, bind, bindField, fields, load, save, discardDraft, showErrors };
}

export type SchemaForm<T extends Record<string, any> = Record<string, any>> = ReturnType<typeof useSchemaForm<T>>;
