/**
 * Mutation testing of the alert expressions (issue 12, "Tests that can fail"): `mutantsOf` derives
 * small faults from an expression; alerts/src/mutants-run.ts runs the alert's promtool cases against
 * each. A mutant is killed when a case fails; a surviving one shows a behaviour no test pins down.
 *
 * Operators (ids are stable and readable, and key `survivingMutants` in the rule sources):
 * - `threshold:<n>*0.5`, `threshold:<n>*1.5`: a number compared with `>`, `>=`, `<` or `<=` (either
 *   side), scaled. A 0 threshold cannot be scaled: it moves to -1 and +1 instead (`threshold:0-1`,
 *   `threshold:0+1`). `==`/`!=` numbers are equalities, not thresholds: see `eq`.
 * - `eq1-to-ge0#k`, `eq0-to-ge0#k`: the k-th `== 1` (a state-set check) or `== 0` becomes `>= 0`,
 *   so every state, or every value, matches.
 * - `drop-and#k:rhs` / `drop-and#k:lhs` (same for `unless`, `or`): the k-th set operator is replaced by
 *   one of its operands, with its `on(...)`/`ignoring(...)` modifier; drops a guard clause.
 * - `drop-alt:<label>=<alt>` (`=~`) and `drop-alt:<label>!=<alt>` (`!~`): one alternative of a regex
 *   matcher with top-level alternatives removed.
 * - `drop-fn:<f>_over_time`: `max_over_time(x[w])` (also min, avg, last) replaced by `x`.
 * - `flip:<op>#k` (only with `{ flips: true }`): `>` <-> `<`, `>=` <-> `<=`. Any firing case kills
 *   them, so they are left out of the enforced set, where they would only dilute the survival rate.
 * When an id would repeat within one expression (the same threshold twice), later ones get `#2`, `#3`.
 * Mutants equal to the original expression or to an earlier mutant (ignoring spaces) are dropped.
 *
 * The generator works on a small PromQL lexer and parser (positions of every node), so each mutant is
 * a splice of the original text, never a regular expression over the whole string. Running them:
 * alerts/src/mutants-run.ts; `npm run mutants`: alerts/src/mutants-cli.ts.
 */

export interface Mutant {
  id: string;
  description: string;
  expr: string;
}

export interface MutantOptions {
  /** Also flip comparison directions (off in the enforced set: see the module comment). */
  flips?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Lexer

type TokenKind = 'ident' | 'number' | 'duration' | 'string' | 'op' | 'punct' | 'eof';

interface Token {
  kind: TokenKind;
  text: string;
  start: number;
  end: number;
}

const OPERATORS = ['==', '!=', '>=', '<=', '=~', '!~', '>', '<', '=', '+', '-', '*', '/', '%', '^', '@'];
const PUNCT = '(){}[],:';

export function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const fail = (what: string): never => {
    throw new Error(`PromQL lexer: ${what} at ${i} in ${src}`);
  };
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '#') {
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    const start = i;
    if (c === '"' || c === "'" || c === '`') {
      i++;
      while (i < src.length && src[i] !== c) i += c !== '`' && src[i] === '\\' ? 2 : 1;
      if (i >= src.length) fail('unterminated string');
      i++;
      tokens.push({ kind: 'string', text: src.slice(start, i), start, end: i });
      continue;
    }
    if (/[0-9.]/.test(c) && /[0-9]/.test(c === '.' ? (src[i + 1] ?? '') : c)) {
      const hex = /^0[xX][0-9a-fA-F]+/.exec(src.slice(i));
      const duration = /^([0-9]+(ms|s|m|h|d|w|y))+/.exec(src.slice(i));
      const number = /^([0-9]*\.)?[0-9]+([eE][-+]?[0-9]+)?/.exec(src.slice(i));
      const [kind, m] = hex
        ? (['number', hex] as const)
        : duration
          ? (['duration', duration] as const)
          : ['number' as const, number!];
      i += m[0].length;
      if (/[A-Za-z_]/.test(src[i] ?? '')) fail('bad number');
      tokens.push({ kind, text: m[0], start, end: i });
      continue;
    }
    if (/[A-Za-z_:]/.test(c) && !(c === ':' && tokens.at(-1)?.kind === 'duration')) {
      // `:` also separates a subquery's range from its step (`[5m:1m]`), after a duration.
      const m = /^[A-Za-z_:][A-Za-z0-9_:]*/.exec(src.slice(i))!;
      if (m[0] === ':') {
        i++;
        tokens.push({ kind: 'punct', text: ':', start, end: i });
        continue;
      }
      i += m[0].length;
      tokens.push({ kind: 'ident', text: m[0], start, end: i });
      continue;
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (op) {
      i += op.length;
      tokens.push({ kind: 'op', text: op, start, end: i });
      continue;
    }
    if (PUNCT.includes(c)) {
      i++;
      tokens.push({ kind: 'punct', text: c, start, end: i });
      continue;
    }
    fail(`unexpected ${JSON.stringify(c)}`);
  }
  tokens.push({ kind: 'eof', text: '', start: src.length, end: src.length });
  return tokens;
}

// ---------------------------------------------------------------------------------------------
// Parser: enough of PromQL for rule expressions, keeping every node's span in the source.

interface Span {
  start: number;
  end: number;
}

export interface Matcher {
  label: string;
  op: string;
  value: Token;
}

export type Node = Span &
  (
    | { type: 'number'; token: Token }
    | { type: 'string'; token: Token }
    | { type: 'paren'; inner: Node }
    | { type: 'call'; name: string; args: Node[] }
    | { type: 'aggregate'; name: string; args: Node[] }
    | { type: 'selector'; name?: string; matchers: Matcher[] }
    | { type: 'range'; inner: Node; subquery: boolean }
    | { type: 'modifier'; inner: Node }
    | { type: 'unary'; op: string; operand: Node }
    | { type: 'binary'; op: Token; bool: boolean; lhs: Node; rhs: Node }
  );

const AGGREGATORS = new Set([
  'sum',
  'min',
  'max',
  'avg',
  'group',
  'stddev',
  'stdvar',
  'count',
  'count_values',
  'bottomk',
  'topk',
  'quantile',
  'limitk',
  'limit_ratio',
]);
const COMPARISONS = new Set(['==', '!=', '>', '<', '>=', '<=']);
const PRECEDENCE: Record<string, number> = {
  or: 1,
  and: 2,
  unless: 2,
  '==': 3,
  '!=': 3,
  '>': 3,
  '<': 3,
  '>=': 3,
  '<=': 3,
  '+': 4,
  '-': 4,
  '*': 5,
  '/': 5,
  '%': 5,
  atan2: 5,
  '^': 6,
};
const SET_OPERATORS = new Set(['and', 'or', 'unless']);

export function parse(src: string): Node {
  const tokens = tokenize(src);
  let pos = 0;
  const peek = (k = 0) => tokens[Math.min(pos + k, tokens.length - 1)]!;
  const next = () => tokens[pos++]!;
  const fail = (what: string): never => {
    const t = peek();
    throw new Error(`PromQL parser: ${what}, got ${JSON.stringify(t.text || 'end')} at ${t.start} in ${src}`);
  };
  const is = (text: string, k = 0) => peek(k).kind !== 'string' && peek(k).text === text;
  const expect = (text: string) => (is(text) ? next() : fail(`expected ${JSON.stringify(text)}`));

  const labelList = () => {
    expect('(');
    while (!is(')')) {
      if (peek().kind !== 'ident' && peek().kind !== 'string') fail('expected a label name');
      next();
      if (!is(',')) break;
      next();
    }
    return expect(')');
  };

  const binaryOp = (): string | undefined => {
    const t = peek();
    if (t.kind === 'op' && t.text in PRECEDENCE) return t.text;
    if (t.kind === 'ident' && ['and', 'or', 'unless', 'atan2'].includes(t.text)) return t.text;
    return undefined;
  };

  function expression(minPrecedence = 1): Node {
    let lhs = unary();
    for (;;) {
      const op = binaryOp();
      if (!op || PRECEDENCE[op]! < minPrecedence) return lhs;
      const opToken = next();
      let bool = false;
      if (is('bool')) {
        next();
        bool = true;
      }
      if (is('on') || is('ignoring')) {
        next();
        labelList();
        if (is('group_left') || is('group_right')) {
          next();
          if (is('(')) labelList();
        }
      }
      // `^` is right-associative, the others left-associative.
      const rhs = expression(op === '^' ? PRECEDENCE[op]! : PRECEDENCE[op]! + 1);
      lhs = { type: 'binary', op: opToken, bool, lhs, rhs, start: lhs.start, end: rhs.end };
    }
  }

  function unary(): Node {
    if (is('-') || is('+')) {
      const op = next();
      const operand = expression(PRECEDENCE['^']!);
      return { type: 'unary', op: op.text, operand, start: op.start, end: operand.end };
    }
    return postfix(primary());
  }

  function postfix(node: Node): Node {
    for (;;) {
      if (is('[')) {
        next();
        if (peek().kind !== 'duration') fail('expected a duration');
        next();
        let subquery = false;
        if (is(':')) {
          next();
          subquery = true;
          if (peek().kind === 'duration') next();
        }
        const close = expect(']');
        node = { type: 'range', inner: node, subquery, start: node.start, end: close.end };
      } else if (is('offset')) {
        next();
        if (is('-')) next();
        if (peek().kind !== 'duration') fail('expected a duration');
        node = { type: 'modifier', inner: node, start: node.start, end: next().end };
      } else if (is('@')) {
        next();
        let end: number;
        if (is('start') || is('end')) {
          next();
          expect('(');
          end = expect(')').end;
        } else {
          if (is('-') || is('+')) next();
          if (peek().kind !== 'number') fail('expected a timestamp');
          end = next().end;
        }
        node = { type: 'modifier', inner: node, start: node.start, end };
      } else return node;
    }
  }

  function args(): { args: Node[]; end: number } {
    expect('(');
    const list: Node[] = [];
    while (!is(')')) {
      list.push(expression());
      if (!is(',')) break;
      next();
    }
    return { args: list, end: expect(')').end };
  }

  function matchers(): { matchers: Matcher[]; end: number } {
    expect('{');
    const list: Matcher[] = [];
    while (!is('}')) {
      const label = peek().kind === 'ident' || peek().kind === 'string' ? next() : fail('expected a label matcher');
      if (peek().kind === 'op' && ['=', '!=', '=~', '!~'].includes(peek().text)) {
        const op = next().text;
        const value = peek().kind === 'string' ? next() : fail('expected a string');
        list.push({ label: label.text, op, value });
      } else if (label.kind === 'string') {
        list.push({ label: '__name__', op: '=', value: label });
      } else fail('expected a matcher operator');
      if (!is(',')) break;
      next();
    }
    return { matchers: list, end: expect('}').end };
  }

  function primary(): Node {
    const t = peek();
    if (t.kind === 'number') {
      next();
      return { type: 'number', token: t, start: t.start, end: t.end };
    }
    if (t.kind === 'string') {
      next();
      return { type: 'string', token: t, start: t.start, end: t.end };
    }
    if (is('(')) {
      next();
      const inner = expression();
      const close = expect(')');
      return { type: 'paren', inner, start: t.start, end: close.end };
    }
    if (is('{')) {
      const m = matchers();
      return { type: 'selector', matchers: m.matchers, start: t.start, end: m.end };
    }
    if (t.kind === 'ident') {
      next();
      if (AGGREGATORS.has(t.text) && (is('(') || is('by') || is('without'))) {
        const groupedBefore = is('by') || is('without');
        if (groupedBefore) {
          next();
          labelList();
        }
        const a = args();
        let end = a.end;
        if (!groupedBefore && (is('by') || is('without'))) {
          next();
          end = labelList().end;
        }
        return { type: 'aggregate', name: t.text, args: a.args, start: t.start, end };
      }
      if (is('(')) {
        const a = args();
        return { type: 'call', name: t.text, args: a.args, start: t.start, end: a.end };
      }
      if (['Inf', 'NaN', 'inf', 'nan'].includes(t.text))
        return { type: 'number', token: { ...t, kind: 'number' }, start: t.start, end: t.end };
      if (is('{')) {
        const m = matchers();
        return { type: 'selector', name: t.text, matchers: m.matchers, start: t.start, end: m.end };
      }
      return { type: 'selector', name: t.text, matchers: [], start: t.start, end: t.end };
    }
    return fail('expected an expression');
  }

  const root = expression();
  if (peek().kind !== 'eof') fail('expected the end of the expression');
  return root;
}

/** Every node, parents before children, children left to right. */
export function walk(node: Node, visit: (n: Node) => void): void {
  visit(node);
  const children: Node[] =
    node.type === 'paren' || node.type === 'range' || node.type === 'modifier'
      ? [node.inner]
      : node.type === 'call' || node.type === 'aggregate'
        ? node.args
        : node.type === 'unary'
          ? [node.operand]
          : node.type === 'binary'
            ? [node.lhs, node.rhs]
            : [];
  for (const c of children) walk(c, visit);
}

/**
 * The metric names an expression reads: selector names and `__name__="..."` matchers, and the
 * `__name__=~"..."` regexes (anchored, as Prometheus anchors them).
 */
export function metricsOf(expr: string): { names: Set<string>; patterns: RegExp[] } {
  const names = new Set<string>();
  const patterns: RegExp[] = [];
  walk(parse(expr), (n) => {
    if (n.type !== 'selector') return;
    if (n.name) names.add(n.name);
    for (const m of n.matchers.filter((x) => x.label === '__name__')) {
      const value = m.value.text.slice(1, -1);
      if (m.op === '=') names.add(value);
      else if (m.op === '=~') patterns.push(new RegExp(`^(?:${value})$`));
      else patterns.push(/.*/);
    }
  });
  return { names, patterns };
}

// ---------------------------------------------------------------------------------------------
// Mutation operators

interface Edit extends Span {
  text: string;
}

const splice = (src: string, edits: Edit[]) =>
  [...edits].sort((a, b) => b.start - a.start).reduce((s, e) => s.slice(0, e.start) + e.text + s.slice(e.end), src);

const formatNumber = (n: number) => String(Number(n.toPrecision(12)));
const unparen = (n: Node): Node => (n.type === 'paren' ? unparen(n.inner) : n);
/** The text of a number literal, signed ones (`-5`) included; undefined for anything else. */
const numberLiteral = (src: string, n: Node): string | undefined =>
  n.type === 'number' || (n.type === 'unary' && n.operand.type === 'number')
    ? src.slice(n.start, n.end).replace(/\s+/g, '')
    : undefined;
const snippet = (s: string, max = 60) => {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};
const ordinal = (k: number) =>
  `${k}${k % 10 === 1 && k !== 11 ? 'st' : k % 10 === 2 && k !== 12 ? 'nd' : k % 10 === 3 && k !== 13 ? 'rd' : 'th'}`;
const MIRROR: Record<string, string> = { '>': '<', '<': '>', '>=': '<=', '<=': '>=', '==': '==', '!=': '!=' };

/** Splits a regex on its top-level `|` (not inside groups, classes or after a backslash). */
export function alternatives(regex: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let inClass = false;
  let current = '';
  for (let i = 0; i < regex.length; i++) {
    const c = regex[i]!;
    if (c === '\\') {
      current += c + (regex[i + 1] ?? '');
      i++;
      continue;
    }
    if (inClass) inClass = c !== ']';
    else if (c === '[') inClass = true;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) {
      parts.push(current);
      current = '';
      continue;
    }
    current += c;
  }
  parts.push(current);
  return parts;
}

/** The mutants of one alert expression, de-duplicated, in a stable order. */
export function mutantsOf(expr: string, options: MutantOptions = {}): Mutant[] {
  const root = parse(expr);
  const nodes: Node[] = [];
  walk(root, (n) => nodes.push(n));
  const byPosition = (a: Node, b: Node) => a.start - b.start;
  const binaries = nodes
    .filter((n): n is Extract<Node, { type: 'binary' }> => n.type === 'binary')
    .sort((a, b) => a.op.start - b.op.start);
  const text = (n: Span) => expr.slice(n.start, n.end);
  const raw: Mutant[] = [];
  const add = (id: string, description: string, edits: Edit[]) =>
    raw.push({ id, description, expr: splice(expr, edits) });

  // Thresholds and equalities: a comparison with a number literal on one side.
  const eqCount = { 0: 0, 1: 0 };
  const flipCount: Record<string, number> = {};
  for (const b of binaries.filter((x) => COMPARISONS.has(x.op.text))) {
    const sides = [
      { num: unparen(b.rhs), other: b.lhs, op: b.op.text },
      { num: unparen(b.lhs), other: b.rhs, op: MIRROR[b.op.text]! },
    ];
    for (const { num, other, op } of sides) {
      const literal = numberLiteral(expr, num);
      if (literal === undefined) continue;
      const value = Number(literal);
      if (['>', '>=', '<', '<='].includes(b.op.text) && Number.isFinite(value)) {
        const moves: Array<[string, number]> =
          value === 0
            ? [
                ['0-1', -1],
                ['0+1', 1],
              ]
            : [
                [`${literal}*0.5`, value * 0.5],
                [`${literal}*1.5`, value * 1.5],
              ];
        for (const [suffix, moved] of moves)
          add(
            `threshold:${suffix}`,
            `threshold \`${snippet(text(other), 40)} ${op} ${literal}\` -> \`${op} ${formatNumber(moved)}\``,
            [{ start: num.start, end: num.end, text: formatNumber(moved) }],
          );
      } else if (b.op.text === '==' && (value === 0 || value === 1)) {
        const k = ++eqCount[value];
        add(
          `eq${value}-to-ge0#${k}`,
          `\`${snippet(text(other), 40)} == ${literal}\` -> \`>= 0\` (${ordinal(k)}): ${value === 1 ? 'the series at 0 (the other states of a state set) match too' : 'every value matches'}`,
          [
            { start: b.op.start, end: b.op.end, text: num === unparen(b.rhs) ? '>=' : '<=' },
            { start: num.start, end: num.end, text: '0' },
          ],
        );
      }
    }
    if (options.flips && b.op.text !== '==' && b.op.text !== '!=') {
      const k = (flipCount[b.op.text] = (flipCount[b.op.text] ?? 0) + 1);
      const flipped = MIRROR[b.op.text]!;
      add(`flip:${b.op.text}#${k}`, `\`${b.op.text}\` -> \`${flipped}\` (${ordinal(k)})`, [
        { start: b.op.start, end: b.op.end, text: flipped },
      ]);
    }
  }

  // Guard clauses: each set operator replaced by one of its operands.
  const setCount: Record<string, number> = {};
  for (const b of binaries.filter((x) => SET_OPERATORS.has(x.op.text))) {
    const op = b.op.text;
    const k = (setCount[op] = (setCount[op] ?? 0) + 1);
    add(`drop-${op}#${k}:rhs`, `drop the right operand of the ${ordinal(k)} \`${op}\`: \`${snippet(text(b.rhs))}\``, [
      { start: b.start, end: b.end, text: text(b.lhs) },
    ]);
    add(`drop-${op}#${k}:lhs`, `drop the left operand of the ${ordinal(k)} \`${op}\`: \`${snippet(text(b.lhs))}\``, [
      { start: b.start, end: b.end, text: text(b.rhs) },
    ]);
  }

  // Regex alternatives.
  for (const n of nodes.filter((x) => x.type === 'selector').sort(byPosition)) {
    if (n.type !== 'selector') continue;
    for (const m of n.matchers) {
      if (m.op !== '=~' && m.op !== '!~') continue;
      const quote = m.value.text[0]!;
      const alts = alternatives(m.value.text.slice(1, -1));
      if (alts.length < 2) continue;
      alts.forEach((alt, i) => {
        const rest = alts.filter((_, j) => j !== i).join('|');
        add(
          `drop-alt:${m.label}${m.op === '=~' ? '=' : '!='}${alt}`,
          `drop the alternative \`${alt}\` of \`${m.label}${m.op}${m.value.text}\``,
          [{ start: m.value.start, end: m.value.end, text: quote + rest + quote }],
        );
      });
    }
  }

  // Over-time wrappers.
  for (const n of nodes.filter((x) => x.type === 'call').sort(byPosition)) {
    if (n.type !== 'call' || !/^(max|min|avg|last)_over_time$/.test(n.name) || n.args.length !== 1) continue;
    const arg = n.args[0]!;
    if (arg.type !== 'range') continue;
    add(`drop-fn:${n.name}`, `\`${n.name}(x[w])\` -> \`x\`: \`${snippet(text(arg.inner))}\``, [
      { start: n.start, end: n.end, text: text(arg.inner) },
    ]);
  }

  // Unique ids (a repeated id gets #2, #3...), then no duplicate expressions.
  const seenIds = new Map<string, number>();
  const seenExprs = new Set([expr.replace(/\s+/g, '')]);
  const result: Mutant[] = [];
  for (const m of raw) {
    const n = (seenIds.get(m.id) ?? 0) + 1;
    seenIds.set(m.id, n);
    const id = n === 1 ? m.id : `${m.id}#${n}`;
    const key = m.expr.replace(/\s+/g, '');
    if (seenExprs.has(key)) continue;
    seenExprs.add(key);
    result.push({ ...m, id });
  }
  return result;
}
