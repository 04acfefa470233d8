/**
 * Label selectors: the string syntax of ?labelSelector= and metav1.LabelSelector, with kube-apiserver's semantics
 * and error text (k8s.io/apimachinery/pkg/labels/selector.go, pkg/apis/meta/v1/helpers.go LabelSelectorAsSelector).
 *
 *   <selector>    ::= <requirement> | <requirement> "," <selector>
 *   <requirement> ::= [!] KEY [ ("in"|"notin") "(" VALUE ("," VALUE)* ")" | ("="|"=="|"!=") VALUE | (">"|"<") INT ]
 *
 * Whitespace (space, tab, CR, LF) separates tokens; keys and values end at whitespace or one of `=!(),<>`.
 * Invalid input throws LabelSelectorError whose message is the one kube puts into its 400 response.
 */
import { isQualifiedName, isValidLabelValue } from './validation/names.ts';

/** selection.Operator, in its wire spelling. */
export type LabelOperator = 'in' | 'notin' | '=' | '==' | '!=' | 'exists' | '!' | 'gt' | 'lt';

export interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  /** Sorted and de-duplicated, as kube's parser stores them. Empty for exists / !. */
  values: string[];
}

export interface LabelSelector {
  /** ANDed; sorted by key. */
  requirements: LabelRequirement[];
  /** labels.Nothing(): matches no object (a nil metav1.LabelSelector). */
  matchesNothing?: boolean;
}

/** metav1.LabelSelector (wire form). */
export interface MetaLabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: MetaLabelSelectorRequirement[];
}

export interface MetaLabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | string;
  values?: string[];
}

export class LabelSelectorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LabelSelectorError';
  }
}

const BINARY_OPERATORS = ['in', 'notin', '=', '==', '!=', 'gt', 'lt'];
const ALL_OPERATORS = [...BINARY_OPERATORS, 'exists', '!'];

export function everything(): LabelSelector {
  return { requirements: [] };
}

export function nothing(): LabelSelector {
  return { requirements: [], matchesNothing: true };
}

/** True when the selector does not restrict anything (labels.Selector.Empty()). */
export function isEverything(sel: LabelSelector): boolean {
  return !sel.matchesNothing && sel.requirements.length === 0;
}

// ---- requirement construction (labels.NewRequirement) ----

/** A field.Error rendered as Error() does: "<field>: <body>". */
function fieldErr(field: string, body: string): string {
  return `${field}: ${body}`;
}

function invalid(field: string, value: unknown, detail: string): string {
  const v = typeof value === 'string' ? JSON.stringify(value) : Array.isArray(value) ? `[]string{${value.map((x) => JSON.stringify(x)).join(', ')}}` : String(value);
  return fieldErr(field, `Invalid value: ${v}: ${detail}`);
}

/** utilerrors.NewAggregate(...).Error(): one message bare, several as "[a, b]", duplicates dropped. */
function aggregate(msgs: string[]): string {
  const uniq = [...new Set(msgs)];
  return uniq.length === 1 ? uniq[0]! : `[${uniq.join(', ')}]`;
}

function keyError(key: string, path: string): string | undefined {
  const errs = isQualifiedName(key);
  return errs.length ? invalid(path, key, errs.join('; ')) : undefined;
}

/**
 * Build a requirement, validating it exactly as labels.NewRequirement. Throws LabelSelectorError with the
 * aggregated field errors (e.g. `values[0][app]: Invalid value: "a b": a valid label must be ...`).
 */
export function newRequirement(key: string, operator: LabelOperator, values: string[]): LabelRequirement {
  const errs: string[] = [];
  const k = keyError(key, 'key');
  if (k) errs.push(k);
  switch (operator) {
    case 'in':
    case 'notin':
      if (values.length === 0) errs.push(invalid('values', values, "for 'in', 'notin' operators, values set can't be empty"));
      break;
    case '=':
    case '==':
    case '!=':
      if (values.length !== 1) errs.push(invalid('values', values, 'exact-match compatibility requires one single value'));
      break;
    case 'exists':
    case '!':
      if (values.length !== 0) errs.push(invalid('values', values, 'values set must be empty for exists and does not exist'));
      break;
    case 'gt':
    case 'lt':
      if (values.length !== 1) errs.push(invalid('values', values, "for 'Gt', 'Lt' operators, exactly one value is required"));
      values.forEach((v, i) => {
        if (!/^[+-]?\d+$/.test(v)) errs.push(invalid(`values[${i}]`, v, "for 'Gt', 'Lt' operators, the value must be an integer"));
      });
      break;
    default:
      errs.push(fieldErr('operator', `Unsupported value: ${JSON.stringify(operator)}: supported values: ${ALL_OPERATORS.map((o) => `"${o}"`).join(', ')}`));
  }
  values.forEach((v, i) => {
    const ve = isValidLabelValue(v);
    if (ve.length) errs.push(invalid(`values[${i}][${key}]`, v, ve.join('; ')));
  });
  if (errs.length) throw new LabelSelectorError(aggregate(errs));
  return { key, operator, values: [...values] };
}

function sortByKey(reqs: LabelRequirement[]): LabelRequirement[] {
  return reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

// ---- lexer (labels.Lexer) ----

type Tok =
  | 'error'
  | 'eos'
  | 'closedPar'
  | 'comma'
  | 'doesNotExist'
  | 'doubleEquals'
  | 'equals'
  | 'gt'
  | 'identifier'
  | 'in'
  | 'lt'
  | 'notEquals'
  | 'notIn'
  | 'openPar';

const STRING_TO_TOKEN: Record<string, Tok> = {
  ')': 'closedPar',
  ',': 'comma',
  '!': 'doesNotExist',
  '==': 'doubleEquals',
  '=': 'equals',
  '>': 'gt',
  in: 'in',
  '<': 'lt',
  '!=': 'notEquals',
  notin: 'notIn',
  '(': 'openPar',
};

interface Item {
  tok: Tok;
  lit: string;
}

const isWhitespace = (c: string) => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isSpecial = (c: string) => '=!(),><'.includes(c);

function lex(s: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  for (;;) {
    while (pos < s.length && isWhitespace(s[pos]!)) pos++;
    if (pos >= s.length) {
      items.push({ tok: 'eos', lit: '' });
      return items;
    }
    const c = s[pos]!;
    if (isSpecial(c)) {
      // Longest run of special characters that still forms a known token.
      let buf = '';
      let last: Item | undefined;
      while (pos < s.length && isSpecial(s[pos]!)) {
        buf += s[pos];
        const t = STRING_TO_TOKEN[buf];
        if (t) {
          last = { tok: t, lit: buf };
          pos++;
        } else if (last) {
          break;
        } else {
          pos++;
        }
      }
      items.push(last ?? { tok: 'error', lit: `error expected: keyword found '${buf}'` });
      if (!last) return [...items, { tok: 'eos', lit: '' }];
    } else {
      let buf = '';
      while (pos < s.length && !isSpecial(s[pos]!) && !isWhitespace(s[pos]!)) buf += s[pos++];
      const t = STRING_TO_TOKEN[buf];
      items.push({ tok: t ?? 'identifier', lit: buf });
    }
  }
}

// ---- parser (labels.Parser) ----

class Parser {
  #items: Item[];
  #pos = 0;
  constructor(items: Item[]) {
    this.#items = items;
  }

  /** In the "values" context the keywords in / notin are plain identifiers. */
  lookahead(values: boolean): Item {
    const it = this.#items[Math.min(this.#pos, this.#items.length - 1)]!;
    return values && (it.tok === 'in' || it.tok === 'notIn') ? { tok: 'identifier', lit: it.lit } : it;
  }

  consume(values: boolean): Item {
    const it = this.lookahead(values);
    this.#pos++;
    return it;
  }

  parse(): LabelRequirement[] {
    const reqs: LabelRequirement[] = [];
    for (;;) {
      const { tok, lit } = this.lookahead(true);
      switch (tok) {
        case 'identifier':
        case 'doesNotExist': {
          let r: LabelRequirement;
          try {
            r = this.parseRequirement();
          } catch (e) {
            throw new LabelSelectorError(`unable to parse requirement: ${(e as Error).message}`);
          }
          reqs.push(r);
          const next = this.consume(true);
          if (next.tok === 'eos') return reqs;
          if (next.tok === 'comma') {
            const after = this.lookahead(true);
            if (after.tok !== 'identifier' && after.tok !== 'doesNotExist') {
              throw new LabelSelectorError(`found '${after.lit}', expected: identifier after ','`);
            }
            break;
          }
          throw new LabelSelectorError(`found '${next.lit}', expected: ',' or 'end of string'`);
        }
        case 'eos':
          return reqs;
        default:
          throw new LabelSelectorError(`found '${lit}', expected: !, identifier, or 'end of string'`);
      }
    }
  }

  parseRequirement(): LabelRequirement {
    const { key, operator } = this.parseKeyAndInferOperator();
    if (operator === 'exists' || operator === '!') return newRequirement(key, operator, []);
    const op = this.parseOperator();
    const values = op === 'in' || op === 'notin' ? this.parseValues() : this.parseExactValue();
    return newRequirement(key, op, [...values].sort());
  }

  parseKeyAndInferOperator(): { key: string; operator: LabelOperator | '' } {
    let operator: LabelOperator | '' = '';
    let it = this.consume(true);
    if (it.tok === 'doesNotExist') {
      operator = '!';
      it = this.consume(true);
    }
    if (it.tok !== 'identifier') throw new Error(`found '${it.lit}', expected: identifier`);
    // kube validates the key with a nil field path, which prints as "<nil>".
    const ke = keyError(it.lit, '<nil>');
    if (ke) throw new Error(ke);
    const next = this.lookahead(true).tok;
    if ((next === 'eos' || next === 'comma') && operator !== '!') operator = 'exists';
    return { key: it.lit, operator };
  }

  parseOperator(): LabelOperator {
    const it = this.consume(false);
    switch (it.tok) {
      case 'in':
        return 'in';
      case 'equals':
        return '=';
      case 'doubleEquals':
        return '==';
      case 'gt':
        return 'gt';
      case 'lt':
        return 'lt';
      case 'notIn':
        return 'notin';
      case 'notEquals':
        return '!=';
      default:
        throw new Error(`found '${it.lit}', expected: ${BINARY_OPERATORS.join(', ')}`);
    }
  }

  parseValues(): Set<string> {
    const open = this.consume(true);
    if (open.tok !== 'openPar') throw new Error(`found '${open.lit}' expected: '('`);
    const { tok, lit } = this.lookahead(true);
    switch (tok) {
      case 'identifier':
      case 'comma': {
        const s = this.parseIdentifiersList();
        if (this.consume(true).tok !== 'closedPar') throw new Error(`found '${lit}', expected: ')'`);
        return s;
      }
      case 'closedPar':
        this.consume(true);
        return new Set(['']);
      default:
        throw new Error(`found '${lit}', expected: ',', ')' or identifier`);
    }
  }

  parseIdentifiersList(): Set<string> {
    const s = new Set<string>();
    for (;;) {
      const it = this.consume(true);
      if (it.tok === 'identifier') {
        s.add(it.lit);
        const next = this.lookahead(true);
        if (next.tok === 'comma') continue;
        if (next.tok === 'closedPar') return s;
        throw new Error(`found '${next.lit}', expected: ',' or ')'`);
      }
      if (it.tok === 'comma') {
        if (s.size === 0) s.add(''); // "(,"
        const next = this.lookahead(true).tok;
        if (next === 'closedPar') {
          s.add(''); // ",)"
          return s;
        }
        if (next === 'comma') s.add(''); // ",,"
        continue;
      }
      throw new Error(`found '${it.lit}', expected: ',', or identifier`);
    }
  }

  parseExactValue(): Set<string> {
    const next = this.lookahead(true).tok;
    if (next === 'eos' || next === 'comma') return new Set(['']);
    const it = this.consume(true);
    if (it.tok === 'identifier') return new Set([it.lit]);
    throw new Error(`found '${it.lit}', expected: identifier`);
  }
}

/** Parse a ?labelSelector= string (labels.Parse). Empty or blank input selects everything. */
export function parseLabelSelector(s: string): LabelSelector {
  return { requirements: sortByKey(new Parser(lex(s)).parse()) };
}

// ---- matching and printing ----

function requirementMatches(r: LabelRequirement, labels: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const val = has ? labels[r.key]! : undefined;
  switch (r.operator) {
    case 'in':
    case '=':
    case '==':
      return val !== undefined && r.values.includes(val);
    case 'notin':
    case '!=':
      return val === undefined || !r.values.includes(val);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      if (val === undefined || !/^[+-]?\d+$/.test(val) || r.values.length !== 1) return false;
      const lv = BigInt(val);
      const rv = BigInt(r.values[0]!);
      return r.operator === 'gt' ? lv > rv : lv < rv;
    }
    default:
      return false;
  }
}

/** True when every requirement matches the labels (an absent label set is empty). */
export function matches(sel: LabelSelector, labels: Record<string, string> | undefined | null): boolean {
  if (sel.matchesNothing) return false;
  const ls = labels ?? {};
  return sel.requirements.every((r) => requirementMatches(r, ls));
}

export function requirementToString(r: LabelRequirement): string {
  const vals = r.values.length === 1 ? r.values[0]! : [...r.values].sort().join(',');
  switch (r.operator) {
    case 'exists':
      return r.key;
    case '!':
      return `!${r.key}`;
    case 'in':
      return `${r.key} in (${vals})`;
    case 'notin':
      return `${r.key} notin (${vals})`;
    case 'gt':
      return `${r.key}>${vals}`;
    case 'lt':
      return `${r.key}<${vals}`;
    default:
      return `${r.key}${r.operator}${vals}`;
  }
}

/** labels.Selector.String(): requirements joined by ",". Parsing the result yields the same selector. */
export function toString(sel: LabelSelector): string {
  return sel.requirements.map(requirementToString).join(',');
}

/** The selector that matches exactly the given set (labels.SelectorFromSet). */
export function selectorFromSet(set: Record<string, string> | undefined | null): LabelSelector {
  if (!set) return everything();
  return { requirements: sortByKey(Object.entries(set).map(([key, v]) => ({ key, operator: '=' as const, values: [v] }))) };
}

/** If the selector pins `key` to exactly one value (=, ==, or in with one value), return it. */
export function requiresExactMatch(sel: LabelSelector, key: string): string | undefined {
  const r = sel.requirements.find((x) => x.key === key);
  if (!r) return undefined;
  if ((r.operator === '=' || r.operator === '==' || r.operator === 'in') && r.values.length === 1) return r.values[0];
  return undefined;
}

/**
 * metav1.LabelSelectorAsSelector: null/undefined selects nothing, {} selects everything, matchLabels are "=",
 * matchExpressions map In/NotIn/Exists/DoesNotExist. Invalid content throws LabelSelectorError.
 */
export function labelSelectorFromMeta(ls: MetaLabelSelector | null | undefined): LabelSelector {
  if (ls === null || ls === undefined) return nothing();
  const labels = ls.matchLabels ?? {};
  const exprs = ls.matchExpressions ?? [];
  if (Object.keys(labels).length + exprs.length === 0) return everything();
  const reqs: LabelRequirement[] = [];
  for (const [k, v] of Object.entries(labels)) reqs.push(newRequirement(k, '=', [v]));
  for (const e of exprs) {
    let op: LabelOperator;
    switch (e.operator) {
      case 'In':
        op = 'in';
        break;
      case 'NotIn':
        op = 'notin';
        break;
      case 'Exists':
        op = 'exists';
        break;
      case 'DoesNotExist':
        op = '!';
        break;
      default:
        throw new LabelSelectorError(`${JSON.stringify(e.operator)} is not a valid label selector operator`);
    }
    reqs.push(newRequirement(e.key, op, [...(e.values ?? [])]));
  }
  return { requirements: sortByKey(reqs) };
}

/**
 * labelSelectorFromMeta where an invalid selector is none: undefined instead of a LabelSelectorError (the
 * controllers skip an object whose selector does not parse, as upstream's logged-and-ignored errors).
 */
export function tryLabelSelectorFromMeta(ls: MetaLabelSelector | null | undefined): LabelSelector | undefined {
  try {
    return labelSelectorFromMeta(ls);
  } catch {
    return undefined;
  }
}
