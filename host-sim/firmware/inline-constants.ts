/**
 * Numeric module constants written into the firmware bundle as literals (a rollup renderChunk
 * step of bundle.ts).
 *
 * Why: the firmware is preloaded, and the esp32 archive is mostly the preloaded XS heap (slots of
 * 16 B). XS keeps a module-level `const` as a binding of the module, and every function that
 * reads it holds its own closure slot for it: `const FS_EPOCH = FF_SIZE + 2` read by 26 functions
 * is 27 slots and a key, where the literal 28 in their byte code is none (byte code is not in the
 * slot heap). Named index constants are how the runtime keeps its numbers in typed arrays
 * readable (docs/FOOTPRINT.md "Round 14: FT archive and slots"); this keeps them free on a board.
 *
 * What is inlined: a top-level `const NAME = <expression>` whose expression folds to a finite
 * number from number literals, other such constants and the operators + - * / % | & ^ << >> >>> ~,
 * when NAME is bound nowhere else in the bundle (no local variable, parameter, function or class
 * of that name: no shadowing to reason about) and never exported from it. Every read becomes the
 * literal and the declaration goes. Anything else is left as it is.
 */
import type { AstNode } from 'rollup';

type Node = AstNode & { [key: string]: unknown };

interface Edit {
  start: number;
  end: number;
  text: string;
}

function isNode(x: unknown): x is Node {
  return x !== null && typeof x === 'object' && typeof (x as { type?: unknown }).type === 'string';
}

function children(n: Node): Node[] {
  const out: Node[] = [];
  for (const key of Object.keys(n)) {
    if (key === 'type' || key === 'start' || key === 'end') continue;
    const v = n[key];
    if (Array.isArray(v)) {
      for (const c of v) if (isNode(c)) out.push(c);
    } else if (isNode(v)) out.push(v);
  }
  return out;
}

/** Names a pattern binds (a parameter, a declarator's target, a catch clause's parameter). */
function patternNames(p: Node | null | undefined, out: string[]): void {
  if (p === null || p === undefined) return;
  switch (p.type) {
    case 'Identifier': out.push(p['name'] as string); break;
    case 'ObjectPattern': for (const q of p['properties'] as Node[]) patternNames(q.type === 'RestElement' ? (q['argument'] as Node) : (q['value'] as Node), out); break;
    case 'ArrayPattern': for (const q of p['elements'] as (Node | null)[]) patternNames(q, out); break;
    case 'RestElement': patternNames(p['argument'] as Node, out); break;
    case 'AssignmentPattern': patternNames(p['left'] as Node, out); break;
    default: break;
  }
}

const BINARY: Record<string, (a: number, b: number) => number> = {
  '+': (a, b) => a + b, '-': (a, b) => a - b, '*': (a, b) => a * b, '/': (a, b) => a / b, '%': (a, b) => a % b,
  '|': (a, b) => a | b, '&': (a, b) => a & b, '^': (a, b) => a ^ b, '<<': (a, b) => a << b, '>>': (a, b) => a >> b, '>>>': (a, b) => a >>> b,
};

/** The number `e` folds to, or undefined. */
function fold(e: Node, known: ReadonlyMap<string, number>): number | undefined {
  switch (e.type) {
    case 'Literal': return typeof e['value'] === 'number' ? (e['value'] as number) : undefined;
    case 'Identifier': return known.get(e['name'] as string);
    case 'UnaryExpression': {
      const a = fold(e['argument'] as Node, known);
      if (a === undefined) return undefined;
      return e['operator'] === '-' ? -a : e['operator'] === '+' ? a : e['operator'] === '~' ? ~a : undefined;
    }
    case 'BinaryExpression': {
      const op = BINARY[e['operator'] as string];
      const a = fold(e['left'] as Node, known);
      const b = fold(e['right'] as Node, known);
      return op === undefined || a === undefined || b === undefined ? undefined : op(a, b);
    }
    default: return undefined;
  }
}

function literal(v: number): string {
  return v < 0 ? `(${String(v)})` : String(v);
}

/** `code` (one bundled chunk, its AST `program`) with its numeric constants inlined; how many were. */
export function inlineConstants(code: string, program: AstNode): { code: string; inlined: number } {
  const body = (program as Node)['body'] as Node[];
  // Candidates: top-level single-declarator `const NAME = <foldable>`, in order (a later one may use an earlier one).
  const known = new Map<string, number>();
  const declarations = new Map<string, Node>();
  for (const s of body) {
    if (s.type !== 'VariableDeclaration' || s['kind'] !== 'const') continue;
    const ds = s['declarations'] as Node[];
    if (ds.length !== 1) continue;
    const d = ds[0] as Node;
    const id = d['id'] as Node;
    if (id.type !== 'Identifier' || d['init'] === null) continue;
    const v = fold(d['init'] as Node, known);
    if (v === undefined || !Number.isFinite(v) || Object.is(v, -0)) continue;
    known.set(id['name'] as string, v);
    declarations.set(id['name'] as string, s);
  }
  // Every other binding of a name, and every export, rules it out.
  const excluded = new Set<string>();
  const visitBindings = (n: Node, topLevel: boolean): void => {
    const names: string[] = [];
    switch (n.type) {
      case 'VariableDeclarator': if (!(topLevel && declarations.get((n['id'] as Node)['name'] as string) !== undefined)) patternNames(n['id'] as Node, names); break;
      case 'FunctionDeclaration': case 'FunctionExpression': case 'ArrowFunctionExpression':
        patternNames(n['id'] as Node | null, names);
        for (const p of n['params'] as Node[]) patternNames(p, names);
        break;
      case 'ClassDeclaration': case 'ClassExpression': patternNames(n['id'] as Node | null, names); break;
      case 'CatchClause': patternNames(n['param'] as Node | null, names); break;
      case 'ImportSpecifier': case 'ImportDefaultSpecifier': case 'ImportNamespaceSpecifier': patternNames(n['local'] as Node, names); break;
      case 'ExportSpecifier': patternNames(n['local'] as Node, names); break;
      case 'ExportNamedDeclaration': if (n['declaration'] !== null) for (const d of ((n['declaration'] as Node)['declarations'] as Node[] | undefined) ?? []) patternNames(d['id'] as Node, names); break;
      default: break;
    }
    for (const x of names) excluded.add(x);
    const top = n.type === 'Program' || (topLevel && n.type === 'VariableDeclaration');
    for (const c of children(n)) visitBindings(c, top);
  };
  visitBindings(program as Node, true);
  for (const x of excluded) known.delete(x);
  if (known.size === 0) return { code, inlined: 0 };

  const edits: Edit[] = [];
  const visit = (n: Node, parent: Node | null, key: string): void => {
    if (n.type === 'Identifier' && parent !== null) {
      const v = known.get(n['name'] as string);
      if (v !== undefined && isReference(parent, key)) {
        if (parent.type === 'Property' && parent['shorthand'] === true) {
          if (key === 'value') edits.push({ start: parent.start, end: parent.end, text: `${n['name'] as string}: ${literal(v)}` });
        } else {
          // `28.toFixed()` would not parse: a literal that is a member expression's object goes in parentheses.
          const asObject = parent.type === 'MemberExpression' && key === 'object';
          edits.push({ start: n.start, end: n.end, text: asObject ? `(${literal(v)})` : literal(v) });
        }
      }
      return;
    }
    for (const k of Object.keys(n)) {
      if (k === 'type' || k === 'start' || k === 'end') continue;
      const c = n[k];
      if (Array.isArray(c)) {
        for (const x of c) if (isNode(x)) visit(x, n, k);
      } else if (isNode(c)) visit(c, n, k);
    }
  };
  for (const s of body) {
    const d = s.type === 'VariableDeclaration' ? ((s['declarations'] as Node[])[0] as Node) : null;
    const name = d !== null ? ((d['id'] as Node)['name'] as string | undefined) : undefined;
    if (name !== undefined && known.has(name) && declarations.get(name) === s) {
      edits.push({ start: s.start, end: s.end, text: '' });
      continue;
    }
    visit(s, null, '');
  }
  edits.sort((a, b) => b.start - a.start);
  let out = code;
  for (const e of edits) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return { code: out, inlined: known.size };
}

/** Whether an identifier under `parent` (as its `key`) reads a variable. */
function isReference(parent: Node, key: string): boolean {
  switch (parent.type) {
    case 'MemberExpression': return key !== 'property' || parent['computed'] === true;
    case 'Property': return parent['shorthand'] === true ? key === 'value' : key === 'value' || parent['computed'] === true;
    case 'MethodDefinition': case 'PropertyDefinition': return key !== 'key' || parent['computed'] === true;
    case 'LabeledStatement': case 'BreakStatement': case 'ContinueStatement': return false;
    case 'MetaProperty': return false;
    default: return true;
  }
}
