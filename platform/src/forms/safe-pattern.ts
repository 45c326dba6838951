import tokenize, { types } from 'ret';
import type { Token, Tokens } from 'ret';

/** A repetition at most this many times is "bounded": nesting inside it stays cheap. */
const BOUNDED_REPETITION = 20;
/** Nested bounded repetitions multiply: past this, backtracking gets slow again. */
const MAX_REPETITION_PRODUCT = 10_000;

/**
 * Why a custom field's `pattern` is refused, or null when it is accepted.
 *
 * Values are matched with JavaScript's backtracking engine (Ajv's `pattern`), so a
 * pattern whose matching time can explode on a crafted value must be refused when
 * it is saved. The rule is conservative: no back-references, and inside a
 * repetition of more than 20 (or unbounded), no other repetition and no
 * alternatives — `(a+)+`, `(a|ab)*` and `(\d+-)*` are refused, while
 * `^0\d(\s?\d{2}){4}$` or `^[A-Z]{2}\d{7}$` pass.
 */
export function unsafePatternReason(pattern: string): string | null {
  try {
    new RegExp(pattern, 'u'); // as Ajv compiles it
  } catch (error) {
    return `is not a valid regular expression: ${(error as Error).message.replace(/^Invalid regular expression: /, '')}`;
  }
  if (hasBackReference(pattern)) return 'uses a back-reference (\\1, \\k<name>), which is not accepted';
  let root: Tokens;
  try {
    root = tokenize(pattern);
  } catch {
    return 'could not be analysed: simplify it';
  }
  return riskIn(root, 1, false);
}

function hasBackReference(pattern: string): boolean {
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i];
    if (char === '\\') {
      const next = pattern[i + 1] ?? '';
      if (!inClass && (/[1-9]/.test(next) || next === 'k')) return true;
      i++;
    } else if (char === '[') inClass = true;
    else if (char === ']') inClass = false;
  }
  return false;
}

function children(token: Tokens): Token[][] {
  if (token.type === types.ROOT || token.type === types.GROUP) {
    return token.options ?? (token.stack ? [token.stack] : []);
  }
  if (token.type === types.REPETITION) return [[token.value]];
  return [];
}

/**
 * Walks the pattern's tokens; `product` is the enclosing bounded repetitions' counts
 * multiplied, `insideRisky` whether an enclosing repetition is long or unbounded.
 */
function riskIn(token: Tokens, product: number, insideRisky: boolean): string | null {
  if (token.type === types.REPETITION) {
    // ret writes an unbounded maximum as Infinity (null once serialised).
    const max = token.max === null || token.max === Infinity ? Infinity : token.max;
    if (max > 1 && insideRisky) {
      return 'nests a repetition inside a long or unbounded repetition (such as (a+)+): it could take exponential time';
    }
    if (max !== Infinity && product * max > MAX_REPETITION_PRODUCT) {
      return `repeats more than ${MAX_REPETITION_PRODUCT} times (nested repetitions multiply)`;
    }
    return riskIn(token.value, max === Infinity ? product : product * Math.max(max, 1), insideRisky || max > BOUNDED_REPETITION);
  }
  const branches = children(token);
  if (insideRisky && branches.length > 1) {
    return 'has alternatives (|) inside a long or unbounded repetition: it could take exponential time; use a character class such as [ab] instead';
  }
  for (const branch of branches) {
    for (const child of branch) {
      const reason = riskIn(child, product, insideRisky);
      if (reason) return reason;
    }
  }
  return null;
}
