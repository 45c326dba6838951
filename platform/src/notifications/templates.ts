/**
 * Notification templates: Handlebars with named merge fields, checked when they
 * are saved and rendered in a sandbox.
 *
 * What a template may contain (decided here, documented for the admins):
 * - text, comments, and merge fields from the catalogue: {{usager.first_name}};
 * - {{#if field}}...{{else}}...{{/if}} and {{#unless field}}...{{/unless}} on a
 *   merge field, to leave out a line when a value is empty (no lieu, no phone).
 * Nothing else: no other helper ({{lookup}}, {{with}}, {{log}}), no {{#each}}
 * (agents come as one joined field, `agents.names`, which keeps every path
 * absolute and every value's length bounded), no partials or decorators, no
 * `this`, `../` or `@data` paths, and in email HTML no {{{triple braces}}} that
 * would let a value (an usager's name) inject markup.
 * The rules are checked on the parsed AST, every path against the catalogue;
 * rendering also runs in an isolated Handlebars environment without those
 * helpers, in strict mode, with prototype access off, and re-checks the rules,
 * so a template stored before a rule existed cannot slip through.
 */
import Handlebars from 'handlebars';
import { AppError, type FieldError } from '../errors';
import { MERGE_FIELDS, SAMPLE_FACTS, findMergeField, type MergeField, type RdvNotificationFacts } from './merge-fields';
import {
  countSmsSegments,
  gsm7Cost,
  gsm7Units,
  maxSegmentsForUnits,
  transliterateToGsm7,
  type SmsEncoding,
  type SmsSegmentCount,
} from './sms';

export const NOTIFICATION_EVENTS = [
  'rdv_created',
  'rdv_updated',
  'rdv_cancelled_by_agent',
  'rdv_cancelled_by_user',
  'rdv_reminder',
  'rdv_noshow',
  'rdv_unscheduled',
] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

export const NOTIFICATION_CHANNELS = ['email', 'sms'] as const;
export type NotificationChannel = (typeof NOTIFICATION_CHANNELS)[number];

export interface EmailTemplate {
  subject: string;
  text: string;
  html: string;
}
export interface SmsTemplate {
  text: string;
}
export interface TemplateByChannel {
  email: EmailTemplate;
  sms: SmsTemplate;
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}
export interface RenderedSms {
  text: string;
  count: SmsSegmentCount;
}
export interface RenderedByChannel {
  email: RenderedEmail;
  sms: RenderedSms;
}

/** The territory's SMS choices (its `notifications` configuration). */
export interface NotificationSettings {
  /** Most segments an SMS may take; a template that could exceed it is refused. */
  smsMaxSegments: number;
  /** Write SMS in GSM-7 only (ê → e, emoji → ?): 160 characters a segment instead of 70. */
  smsStripAccents: boolean;
  /** Allow the motif's name in SMS (it can reveal private matters). */
  smsIncludeMotif: boolean;
}

export const DEFAULT_NOTIFICATION_SETTINGS: NotificationSettings = {
  smsMaxSegments: 5,
  smsStripAccents: false,
  smsIncludeMotif: false,
};

/** Where a template text goes; only email HTML escapes values. */
type TemplatePart = 'subject' | 'text' | 'html' | 'sms';

const ALLOWED_BLOCK_HELPERS = new Set(['if', 'unless']);

/** An environment of our own: the global Handlebars keeps whatever other code registers on it. */
const sandbox = Handlebars.create();
for (const helper of ['each', 'with', 'lookup', 'log']) sandbox.unregisterHelper(helper);

const COMPILE_OPTIONS = {
  strict: true,
  data: false,
  knownHelpers: { if: true, unless: true, each: false, with: false, lookup: false, log: false },
  knownHelpersOnly: true,
} satisfies CompileOptions;

const RUNTIME_OPTIONS: Handlebars.RuntimeOptions = {
  allowProtoPropertiesByDefault: false,
  allowProtoMethodsByDefault: false,
  allowCallsToHelperMissing: false,
};

interface JisonParserHolder {
  Parser: { lexer: { yylloc: { first_line: number; first_column: number } } };
}

interface Problem {
  line: number;
  column: number;
  message: string;
}

function problemAt(node: hbs.AST.Node, message: string): Problem {
  return { line: node.loc.start.line, column: node.loc.start.column + 1, message };
}

/** Parses a template; a syntax error becomes a problem with its position. */
function parse(source: string): { ast: hbs.AST.Program } | { problem: Problem } {
  try {
    return { ast: sandbox.parse(source) };
  } catch (error) {
    return { problem: syntaxProblem(source, error) };
  }
}

function syntaxProblem(source: string, error: unknown): Problem {
  const message = error instanceof Error ? error.message : String(error);
  // Block mismatches ("if doesn't match unless") carry their position.
  const located = error as { lineNumber?: number; column?: number };
  if (typeof located.lineNumber === 'number' && typeof located.column === 'number') {
    return { line: located.lineNumber, column: located.column + 1, message: `syntax error: ${message.replace(/ - \d+:\d+$/, '')}` };
  }
  // Parser errors only say where in their text; the (untyped) lexer still holds the failing token's position.
  const { first_line: line, first_column: column } = (sandbox as unknown as JisonParserHolder).Parser.lexer.yylloc;
  const got = /got '([A-Z_]+)'$/.exec(message)?.[1];
  const near = source.split('\n')[line - 1]?.slice(column, column + 12) ?? '';
  const what = got === 'EOF' ? ': the template ends before an expression or block is closed' : ` near "${near}"`;
  return { line, column: column + 1, message: `syntax error${what}` };
}

interface CheckContext {
  part: TemplatePart;
  settings: NotificationSettings | null; // null: rules that do not depend on the territory only
  problems: Problem[];
}

function checkProgram(program: hbs.AST.Program, context: CheckContext): void {
  for (const statement of program.body) checkStatement(statement, context);
}

function checkStatement(node: hbs.AST.Statement, context: CheckContext): void {
  switch (node.type) {
    case 'ContentStatement':
    case 'CommentStatement':
      return;
    case 'MustacheStatement':
      return checkMustache(node as hbs.AST.MustacheStatement, context);
    case 'BlockStatement':
      return checkBlock(node as hbs.AST.BlockStatement, context);
    case 'PartialStatement':
    case 'PartialBlockStatement':
      context.problems.push(problemAt(node, 'partials ({{> ...}}) are not allowed'));
      return;
    default: // Decorator, DecoratorBlock ({{* ...}}, {{#* inline}})
      context.problems.push(problemAt(node, 'decorators and inline partials ({{* ...}}) are not allowed'));
  }
}

function expressionName(expression: hbs.AST.Expression): string {
  return expression.type === 'PathExpression' ? (expression as hbs.AST.PathExpression).original : expression.type;
}

function checkMustache(node: hbs.AST.MustacheStatement, context: CheckContext): void {
  if (node.params.length > 0 || (node.hash && node.hash.pairs.length > 0)) {
    context.problems.push(
      problemAt(node, `unknown helper "${expressionName(node.path)}": only {{#if field}} and {{#unless field}} blocks may be used`),
    );
    return;
  }
  if (!node.escaped && context.part === 'html') {
    context.problems.push(problemAt(node, 'triple braces {{{...}}} would insert a value as raw HTML: write {{...}}'));
  }
  checkFieldReference(node.path, context);
}

function checkBlock(node: hbs.AST.BlockStatement, context: CheckContext): void {
  const helper = expressionName(node.path);
  if (node.path.type !== 'PathExpression' || !ALLOWED_BLOCK_HELPERS.has(helper)) {
    context.problems.push(problemAt(node, `block "{{#${helper}}}" is not allowed: only {{#if field}} and {{#unless field}}`));
    return;
  }
  if (node.params.length !== 1 || (node.hash && node.hash.pairs.length > 0) || (node.program?.blockParams?.length ?? 0) > 0) {
    context.problems.push(problemAt(node, `{{#${helper}}} takes exactly one merge field: {{#${helper} lieu.name}}`));
  } else {
    checkFieldReference(node.params[0], context);
  }
  if (node.program) checkProgram(node.program, context);
  if (node.inverse) checkProgram(node.inverse, context);
}

function checkFieldReference(expression: hbs.AST.Expression, context: CheckContext): void {
  if (expression.type !== 'PathExpression') {
    context.problems.push(problemAt(expression, `only merge fields may be used here, not ${expression.type}`));
    return;
  }
  const path = expression as hbs.AST.PathExpression;
  const mergeField = !path.data && path.depth === 0 ? findMergeField(path.parts.join('.')) : undefined;
  if (!mergeField) {
    context.problems.push(problemAt(path, `unknown merge field "${path.original}"`));
    return;
  }
  if (context.part === 'sms' && mergeField.privateInSms && context.settings && !context.settings.smsIncludeMotif) {
    context.problems.push(
      problemAt(
        path,
        `"${mergeField.name}" is left out of SMS because it can reveal private matters; the territory must allow it first (smsIncludeMotif)`,
      ),
    );
  }
}

/** The template's structural problems (syntax, helpers, paths); those that depend on the territory when settings are given. */
function inspect(source: string, part: TemplatePart, settings: NotificationSettings | null): { ast?: hbs.AST.Program; problems: Problem[] } {
  const parsed = parse(source);
  if ('problem' in parsed) return { problems: [parsed.problem] };
  const context: CheckContext = { part, settings, problems: [] };
  checkProgram(parsed.ast, context);
  return { ast: parsed.ast, problems: context.problems };
}

function toFieldErrors(path: string, problems: Problem[]): FieldError[] {
  return problems.map((problem) => ({ path, message: `line ${problem.line}, column ${problem.column}: ${problem.message}` }));
}

// ---------------------------------------------------------------------------
// Worst-case SMS length

/**
 * The longest an SMS can get over every branch of its {{#if}}s, with every merge
 * field at its catalogue maximum: `gsm` over the paths written entirely in GSM-7
 * (septets), `ucs` over the paths that may need UCS-2 (code units), `any` the
 * most code units of any path. Null: no such path.
 */
interface SmsBudget {
  any: number;
  gsm: number | null;
  ucs: number | null;
}

const EMPTY_BUDGET: SmsBudget = { any: 0, gsm: 0, ucs: null };

function maxOf(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.max(a, b);
}

function inSequence(a: SmsBudget, b: SmsBudget): SmsBudget {
  return {
    any: a.any + b.any,
    gsm: a.gsm !== null && b.gsm !== null ? a.gsm + b.gsm : null,
    ucs: maxOf(a.ucs !== null ? a.ucs + b.any : null, b.ucs !== null ? a.any + b.ucs : null),
  };
}

function eitherOf(a: SmsBudget, b: SmsBudget): SmsBudget {
  return { any: Math.max(a.any, b.any), gsm: maxOf(a.gsm, b.gsm), ucs: maxOf(a.ucs, b.ucs) };
}

function textBudget(text: string, settings: NotificationSettings): SmsBudget {
  const sent = settings.smsStripAccents ? transliterateToGsm7(text) : text;
  const septets = gsm7Units(sent);
  return septets === null ? { any: sent.length, gsm: null, ucs: sent.length } : { any: sent.length, gsm: septets, ucs: null };
}

function fieldBudget(mergeField: MergeField, settings: NotificationSettings): SmsBudget {
  const max = mergeField.maxLength;
  const gsmOnly = mergeField.alphabet === 'gsm' || settings.smsStripAccents;
  return { any: max, gsm: max, ucs: gsmOnly ? null : max };
}

function programBudget(program: hbs.AST.Program | undefined, settings: NotificationSettings): SmsBudget {
  let budget = EMPTY_BUDGET;
  for (const node of program?.body ?? []) {
    if (node.type === 'ContentStatement') {
      budget = inSequence(budget, textBudget((node as hbs.AST.ContentStatement).value, settings));
    } else if (node.type === 'MustacheStatement') {
      const path = (node as hbs.AST.MustacheStatement).path as hbs.AST.PathExpression;
      budget = inSequence(budget, fieldBudget(findMergeField(path.parts.join('.')) as MergeField, settings));
    } else if (node.type === 'BlockStatement') {
      const block = node as hbs.AST.BlockStatement;
      budget = inSequence(budget, eitherOf(programBudget(block.program, settings), programBudget(block.inverse, settings)));
    }
  }
  return budget;
}

export interface SmsWorstCase {
  encoding: SmsEncoding;
  units: number;
  segments: number;
}

function worstCaseOf(ast: hbs.AST.Program, settings: NotificationSettings): SmsWorstCase {
  const budget = programBudget(ast, settings);
  const gsm: SmsWorstCase | null =
    budget.gsm === null ? null : { encoding: 'GSM-7', units: budget.gsm, segments: maxSegmentsForUnits('GSM-7', budget.gsm) };
  const ucs: SmsWorstCase | null =
    budget.ucs === null ? null : { encoding: 'UCS-2', units: budget.ucs, segments: maxSegmentsForUnits('UCS-2', budget.ucs) };
  if (gsm === null) return ucs as SmsWorstCase;
  if (ucs === null) return gsm;
  return ucs.segments > gsm.segments ? ucs : gsm;
}

/**
 * The most segments an SMS template can take for this territory, each merge
 * field at its longest. Refuses an invalid template like `validateTemplate`.
 */
export function smsWorstCase(source: string, settings: NotificationSettings, path = 'text'): SmsWorstCase {
  const { ast, problems } = inspect(source, 'sms', settings);
  if (!ast || problems.length > 0) throw AppError.invalid('The SMS template is refused', toFieldErrors(path, problems));
  return worstCaseOf(ast, settings);
}

// ---------------------------------------------------------------------------
// Validation

function partsOf(channel: NotificationChannel): Array<[keyof EmailTemplate, TemplatePart]> {
  return channel === 'email'
    ? [
        ['subject', 'subject'],
        ['text', 'text'],
        ['html', 'html'],
      ]
    : [['text', 'sms']];
}

/**
 * Refuses, with AppError.invalid, a template that the platform would not send:
 * a syntax error, an unknown merge field or helper, a partial, raw HTML output,
 * the motif's name in an SMS the territory keeps it out of, or an SMS that can
 * exceed the territory's segments. Errors are on `<path>.subject|text|html`
 * (e.g. `templates.rdv_created.email.html`), with line and column.
 */
export function validateTemplate<C extends NotificationChannel>(
  template: TemplateByChannel[C],
  channel: C,
  path: string,
  settings: NotificationSettings = DEFAULT_NOTIFICATION_SETTINGS,
): void {
  const errors: FieldError[] = [];
  const texts = template as unknown as Record<string, unknown>;
  for (const [key, part] of partsOf(channel)) {
    const fieldPath = `${path}.${key}`;
    const source = texts[key];
    if (typeof source !== 'string') {
      errors.push({ path: fieldPath, message: 'must be a text' });
      continue;
    }
    const { ast, problems } = inspect(source, part, settings);
    errors.push(...toFieldErrors(fieldPath, problems));
    if (ast && problems.length === 0 && part === 'sms') {
      const worst = worstCaseOf(ast, settings);
      if (worst.segments > settings.smsMaxSegments) {
        errors.push({
          path: fieldPath,
          message:
            `with its merge fields at their longest, this SMS can take ${worst.segments} segments ` +
            `(${worst.units} ${worst.encoding} characters); the territory allows ${settings.smsMaxSegments}`,
        });
      }
    }
  }
  if (errors.length > 0) throw AppError.invalid(`The ${channel} template is refused`, errors);
}

// ---------------------------------------------------------------------------
// Rendering

/** Merge field values by dotted name, nested: { usager: { first_name: "Camille" } }. */
export type MergeContext = { [key: string]: string | MergeContext };

function setPath(target: MergeContext, dottedName: string, value: string): void {
  const keys = dottedName.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) node = (node[key] ??= {}) as MergeContext;
  node[keys[keys.length - 1]] = value;
}

/** The longest start of `value` that takes at most `max` SMS characters. */
function clipForSms(value: string, max: number): string {
  let cost = 0;
  let clipped = '';
  for (const char of value) {
    cost += gsm7Cost(char) ?? char.length;
    if (cost > max) break;
    clipped += char;
  }
  return clipped;
}

function smsValue(mergeField: MergeField, facts: RdvNotificationFacts, settings: NotificationSettings): string {
  if (mergeField.privateInSms && !settings.smsIncludeMotif) return '';
  const raw = mergeField.value(facts);
  const written = mergeField.alphabet === 'gsm' || settings.smsStripAccents ? transliterateToGsm7(raw) : raw;
  if (mergeField.clip) return clipForSms(written, mergeField.maxLength);
  if (countSmsSegments(written).units > mergeField.maxLength) {
    throw AppError.invalid(`${mergeField.name} is longer than the ${mergeField.maxLength} characters an SMS allows for it`, [
      { path: mergeField.name, message: `longer than ${mergeField.maxLength} characters` },
    ]);
  }
  return written;
}

/**
 * The values templates see, one per catalogue field. For SMS, the motif's name
 * is emptied unless the territory allows it, and values are fitted to their
 * catalogue length (and to GSM-7 when asked), which is what bounds the SMS.
 */
export function buildMergeContext(
  facts: RdvNotificationFacts,
  channel: NotificationChannel,
  settings: NotificationSettings = DEFAULT_NOTIFICATION_SETTINGS,
): MergeContext {
  const context: MergeContext = {};
  for (const mergeField of MERGE_FIELDS) {
    setPath(context, mergeField.name, channel === 'sms' ? smsValue(mergeField, facts, settings) : mergeField.value(facts));
  }
  return context;
}

/** Compiled templates by escaping mode and text; templates are few and reused, so a small bounded map does. */
const compiled = new Map<string, HandlebarsTemplateDelegate>();
const COMPILED_CACHE_SIZE = 500;

function compiledTemplate(source: string, part: TemplatePart): HandlebarsTemplateDelegate {
  const noEscape = part !== 'html';
  const key = `${noEscape ? 'plain' : 'html'}\u0000${source}`;
  const cached = compiled.get(key);
  if (cached) return cached;
  const { ast, problems } = inspect(source, part, null);
  if (!ast || problems.length > 0) throw AppError.invalid('The template is refused', toFieldErrors(part, problems));
  const template = sandbox.compile(ast, { ...COMPILE_OPTIONS, noEscape });
  if (compiled.size >= COMPILED_CACHE_SIZE) compiled.delete(compiled.keys().next().value as string);
  compiled.set(key, template);
  return template;
}

function run(source: string, part: TemplatePart, context: MergeContext): string {
  return compiledTemplate(source, part)(context, RUNTIME_OPTIONS);
}

export function renderEmail(template: EmailTemplate, facts: RdvNotificationFacts): RenderedEmail {
  const context = buildMergeContext(facts, 'email');
  return {
    subject: run(template.subject, 'subject', context).replace(/\s+/g, ' ').trim(), // a header is one line
    text: run(template.text, 'text', context),
    html: run(template.html, 'html', context),
  };
}

export function renderSms(
  template: SmsTemplate,
  facts: RdvNotificationFacts,
  settings: NotificationSettings = DEFAULT_NOTIFICATION_SETTINGS,
): RenderedSms {
  const rendered = run(template.text, 'sms', buildMergeContext(facts, 'sms', settings)).trim();
  const text = settings.smsStripAccents ? transliterateToGsm7(rendered) : rendered;
  return { text, count: countSmsSegments(text) };
}

export function renderTemplate<C extends NotificationChannel>(
  template: TemplateByChannel[C],
  channel: C,
  facts: RdvNotificationFacts,
  settings: NotificationSettings = DEFAULT_NOTIFICATION_SETTINGS,
): RenderedByChannel[C] {
  const rendered = channel === 'email' ? renderEmail(template as EmailTemplate, facts) : renderSms(template as SmsTemplate, facts, settings);
  return rendered as RenderedByChannel[C];
}

/** The template rendered for the catalogue's sample rdv, as the admin sees it before saving. */
export function previewTemplate<C extends NotificationChannel>(
  template: TemplateByChannel[C],
  channel: C,
  settings: NotificationSettings = DEFAULT_NOTIFICATION_SETTINGS,
): RenderedByChannel[C] {
  return renderTemplate(template, channel, SAMPLE_FACTS, settings);
}
