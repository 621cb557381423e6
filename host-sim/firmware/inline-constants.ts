/**
 * Numeric module constants and const "enum" objects written into a board bundle as literals (a
 * rollup renderChunk step: the firmware bundle, bundle.ts, and the simulator's XS board bundles,
 * rollup.config.mjs and host-sim/apps/bundle.ts, so a simulated XS board runs the code a board
 * runs).
 *
 * Why: the firmware is preloaded, and the esp32 archive is mostly the preloaded XS heap (slots of
 * 16 B). XS keeps a module-level `const` as a binding of the module, and every function that
 * reads it holds its own closure slot for it: `const FS_EPOCH = FF_SIZE + 2` read by 26 functions
 * is 27 slots and a key, where the literal 28 in their byte code is none (byte code is not in the
 * slot heap). Named index constants are how the runtime keeps its numbers in typed arrays
 * readable (docs/FOOTPRINT.md "Round 14: FT archive and slots"); this keeps them free on a board.
 * The same holds for the runtime's enum objects (`Status.MCAPI_SUCCESS`, `FtFrame.VIEW`): a
 * closure slot per reading function, the object's slots, and two steps per read (the binding,
 * then the property) where a literal is one (docs/FOOTPRINT.md "Round 15: folded enums").
 *
 * The module scope is the chunk's top level (an ES module), or the body of its one function when
 * the chunk is one iife (the simulator's XS bundle: rollup hoists every module's names into it).
 *
 * Constants: a top-level `const NAME = <expression>` whose expression folds to a finite number
 * from number literals, other such constants and the operators + - * / % | & ^ << >> >>> ~, when
 * NAME is bound nowhere else in the bundle (no local variable, parameter, function or class of
 * that name: no shadowing to reason about) and never exported from it. Every read becomes the
 * literal and the declaration goes.
 *
 * Enums: a top-level `const X = { A: <number>, 'b-c': <number>, ... }`, an object literal of plain
 * properties (a name or a string key, no computed key, spread, method, accessor or `__proto__`,
 * no key twice) whose values fold as a constant's do (or read an earlier enum's member:
 * `MSG: FrameType.MCAPI_FIRST + 0`), when X is bound nowhere else and nothing writes through it:
 * no `X.A = ...`, `X[k] = ...`, `X.A++`, `delete X.A`, `[X.A] = ...`, `for (X.A of ...)` anywhere
 * (nor an assignment to X itself). Then:
 *   - every `X.A` / `X['A']` read, A one of its keys (not called: `X.A()` has X as `this`),
 *     becomes the literal;
 *   - reads that need the object itself and cannot write it keep X declared as it is: `X[k]`,
 *     `Object.keys(X)`, `Object.values(X)`, `Object.entries(X)`, `{ ...X }`, `k in X`,
 *     `for (k in X)`, `X === y`;
 *   - any other use lets X go where code we do not see could write it (passed to a function,
 *     returned, stored, in a module namespace object, `X.m()`): X stays declared and frozen,
 *     `const X = Object.freeze({ ... })`, so no write can succeed (in strict code it throws)
 *     and a literal is what every read would give. A preloaded Moddable firmware freezes module
 *     objects anyway; the freeze makes the simulator and a board's own boot code agree with it.
 *   - no use left: the declaration goes.
 * A constant or enum whose value reads an enum's member is inlined only if that enum is.
 *
 * A bundle that names `eval` anywhere is left as it is (code in a string could read or write any
 * of these names).
 *
 * Positions: a removed declaration leaves its newlines behind and a replacement stays on its
 * line, so every line keeps its number (the XS bundle's source map maps lines; rollup is told
 * the plugin moved nothing).
 */
import type { AstNode, Plugin } from 'rollup';

type Node = AstNode & { [key: string]: unknown };

interface Edit {
  start: number;
  end: number;
  text: string;
}

/** What the step did to one chunk. */
export interface InlineResult {
  code: string;
  /** Numeric constants written as literals (their declarations gone). */
  inlined: number;
  /** Enum objects whose member reads became literals. */
  enums: string[];
  /** Of those, the ones still declared (used as a value: `Object.keys(X)`, `X[k]`, ...). */
  keptEnums: string[];
  /** Member reads written as literals. */
  enumReads: number;
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

/** What a constant's expression may read: earlier constants, and members of earlier enums (noted in `uses`). */
interface Scope {
  readonly known: ReadonlyMap<string, number>;
  readonly enums: ReadonlyMap<string, { readonly members: ReadonlyMap<string, number> }>;
  /** The enums the expression read. */
  readonly uses: Set<string>;
}

/** The number `e` folds to, or undefined. */
function fold(e: Node, scope: Scope): number | undefined {
  switch (e.type) {
    case 'Literal': return typeof e['value'] === 'number' ? (e['value'] as number) : undefined;
    case 'Identifier': return scope.known.get(e['name'] as string);
    case 'MemberExpression': {
      const obj = e['object'] as Node;
      const key = e['optional'] === true ? undefined : staticKey(e);
      const en = obj.type === 'Identifier' ? scope.enums.get(obj['name'] as string) : undefined;
      const v = en !== undefined && key !== undefined ? en.members.get(key) : undefined;
      if (v !== undefined) scope.uses.add(obj['name'] as string);
      return v;
    }
    case 'UnaryExpression': {
      const a = fold(e['argument'] as Node, scope);
      if (a === undefined) return undefined;
      return e['operator'] === '-' ? -a : e['operator'] === '+' ? a : e['operator'] === '~' ? ~a : undefined;
    }
    case 'BinaryExpression': {
      const op = BINARY[e['operator'] as string];
      const a = fold(e['left'] as Node, scope);
      const b = fold(e['right'] as Node, scope);
      return op === undefined || a === undefined || b === undefined ? undefined : op(a, b);
    }
    default: return undefined;
  }
}

/** A value a literal can stand for: finite, and not -0 (whose literal `0` would be +0). */
function foldable(v: number | undefined): v is number {
  return v !== undefined && Number.isFinite(v) && !Object.is(v, -0);
}

function literal(v: number): string {
  return v < 0 ? `(${String(v)})` : String(v);
}

/** The members of an enum object literal, or null when it is not one (see the file comment). */
function enumMembers(init: Node, scope: Scope): Map<string, number> | null {
  if (init.type !== 'ObjectExpression') return null;
  const members = new Map<string, number>();
  for (const p of init['properties'] as Node[]) {
    if (p.type !== 'Property' || p['kind'] !== 'init' || p['computed'] === true || p['method'] === true) return null;
    const key = p['key'] as Node;
    const name = key.type === 'Identifier' ? (key['name'] as string) : key.type === 'Literal' && typeof key['value'] === 'string' ? key['value'] : undefined;
    if (name === undefined || name === '__proto__' || members.has(name)) return null;
    const v = fold(p['value'] as Node, scope);
    if (!foldable(v)) return null;
    members.set(name, v);
  }
  return members.size > 0 ? members : null;
}

/** The chunk's module-level statements: the program's, or those of its one iife's function. */
function moduleBody(program: Node): Node[] {
  const body = program['body'] as Node[];
  if (body.length === 1 && body[0]?.type === 'ExpressionStatement') {
    const call = (body[0] as Node)['expression'] as Node;
    const fn = call.type === 'CallExpression' ? (call['callee'] as Node) : null;
    if (fn !== null && (fn.type === 'FunctionExpression' || fn.type === 'ArrowFunctionExpression') && (fn['body'] as Node).type === 'BlockStatement') {
      return (fn['body'] as Node)['body'] as Node[];
    }
  }
  return body;
}

/** The name a member expression reads, when it is a fixed one (`X.A`, `X['A']`). */
function staticKey(m: Node): string | undefined {
  const p = m['property'] as Node;
  if (m['computed'] !== true) return p.type === 'Identifier' ? (p['name'] as string) : undefined;
  return p.type === 'Literal' && typeof p['value'] === 'string' ? p['value'] : undefined;
}

/**
 * Whether the node at `ancestors[i]` is written (assigned, updated, deleted, destructured into,
 * the target of a for-in/of) rather than read.
 */
function isWritten(ancestors: readonly { node: Node; key: string }[], i: number): boolean {
  const parent = ancestors[i - 1];
  const key = ancestors[i]?.key ?? '';
  if (parent === undefined) return false;
  switch (parent.node.type) {
    case 'AssignmentExpression': return key === 'left';
    case 'UpdateExpression': return true;
    case 'UnaryExpression': return parent.node['operator'] === 'delete';
    case 'ForInStatement': case 'ForOfStatement': return key === 'left';
    case 'ArrayPattern': case 'RestElement': return true;
    case 'AssignmentPattern': return key === 'left';
    case 'Property': return key === 'value' && ancestors[i - 2]?.node.type === 'ObjectPattern';
    default: return false;
  }
}

/** Whether the node at `ancestors[i]` is called or constructed (then `this` would be its object). */
function isCalled(ancestors: readonly { node: Node; key: string }[], i: number): boolean {
  const parent = ancestors[i - 1];
  const key = ancestors[i]?.key ?? '';
  if (parent === undefined) return false;
  return ((parent.node.type === 'CallExpression' || parent.node.type === 'NewExpression') && key === 'callee') || (parent.node.type === 'TaggedTemplateExpression' && key === 'tag');
}

const READ_ONLY_OBJECT_FUNCTIONS = new Set(['keys', 'values', 'entries']);

interface EnumUse {
  members: Map<string, number>;
  declaration: Node;
  /** Its object literal. */
  init: Node;
  /** Some use writes through it (or the binding): left as it is. */
  poisoned: boolean;
  /** Uses that read the object itself (Object.keys(X), X[k], ...). */
  valueUses: number;
  /** Uses that let it go where a write could follow (passed, stored, returned): frozen. */
  escapes: number;
  reads: Edit[];
}

/** `code` (one bundled chunk, its AST `program`) with its numeric constants and enums inlined. */
export function inlineConstants(code: string, program: AstNode): InlineResult {
  const unchanged: InlineResult = { code, inlined: 0, enums: [], keptEnums: [], enumReads: 0 };
  const body = moduleBody(program as Node);
  // Candidates, in order (a later one may use an earlier constant or an earlier enum's member).
  const known = new Map<string, number>();
  const declarations = new Map<string, Node>();
  const enums = new Map<string, EnumUse>();
  /** The enums each candidate's value read: it is inlined only if they are. */
  const dependsOn = new Map<string, Set<string>>();
  const candidateDeclarators = new Set<Node>();
  for (const s of body) {
    if (s.type !== 'VariableDeclaration' || s['kind'] !== 'const') continue;
    const ds = s['declarations'] as Node[];
    if (ds.length !== 1) continue;
    const d = ds[0] as Node;
    const id = d['id'] as Node;
    if (id.type !== 'Identifier' || d['init'] === null) continue;
    const name = id['name'] as string;
    const init = d['init'] as Node;
    const scope: Scope = { known, enums, uses: new Set() };
    const v = fold(init, scope);
    if (foldable(v)) {
      known.set(name, v);
      declarations.set(name, s);
    } else {
      const members = enumMembers(init, scope);
      if (members === null) continue;
      enums.set(name, { members, declaration: s, init, poisoned: false, valueUses: 0, escapes: 0, reads: [] });
    }
    candidateDeclarators.add(d);
    if (scope.uses.size > 0) dependsOn.set(name, scope.uses);
  }
  // Every other binding of a name, and every export, rules it out.
  const excluded = new Set<string>();
  let directEval = false;
  const visitBindings = (n: Node): void => {
    if (n.type === 'Identifier' && n['name'] === 'eval') directEval = true;
    const names: string[] = [];
    switch (n.type) {
      case 'VariableDeclarator': if (!candidateDeclarators.has(n)) patternNames(n['id'] as Node, names); break;
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
    for (const c of children(n)) visitBindings(c);
  };
  visitBindings(program as Node);
  // Code given to eval could read or write any of them by name: nothing is inlined.
  if (directEval) return unchanged;
  for (const x of excluded) {
    known.delete(x);
    enums.delete(x);
  }
  // `Object.keys(X)` is a read and `Object.freeze` is the one we mean only when no `Object` is bound.
  const objectIsGlobal = !excluded.has('Object');
  if (known.size === 0 && enums.size === 0) return unchanged;

  const constantReads = new Map<string, Edit[]>();
  const ancestors: { node: Node; key: string }[] = [];
  const enumReference = (n: Node, use: EnumUse): void => {
    const i = ancestors.length - 1; // n itself
    const parent = ancestors[i - 1];
    const key = ancestors[i]?.key;
    if (parent === undefined || isWritten(ancestors, i)) { use.poisoned = true; return; }
    const p = parent.node;
    if (p.type === 'MemberExpression' && key === 'object') {
      if (isWritten(ancestors, i - 1)) { use.poisoned = true; return; }
      const name = p['optional'] === true ? undefined : staticKey(p);
      const v = name === undefined ? undefined : use.members.get(name);
      if (isCalled(ancestors, i - 1)) { use.escapes++; return; } // X.m(): X is `this`
      if (name === undefined) { use.valueUses++; return; } // X[k], X?.A
      if (v === undefined) { use.escapes++; return; } // X.toString: not one of its numbers
      // `28.toFixed()` would not parse: a literal that is a member expression's object goes in parentheses.
      const asObject = ancestors[i - 2]?.node.type === 'MemberExpression' && ancestors[i - 1]?.key === 'object';
      use.reads.push({ start: p.start, end: p.end, text: asObject ? `(${literal(v)})` : literal(v) });
      return;
    }
    if (p.type === 'CallExpression' && key === 'arguments' && (p['arguments'] as Node[])[0] === n && objectIsGlobal) {
      const callee = p['callee'] as Node;
      const obj = callee.type === 'MemberExpression' ? (callee['object'] as Node) : null;
      if (obj !== null && obj.type === 'Identifier' && obj['name'] === 'Object' && callee['computed'] !== true && callee['optional'] !== true) {
        const fn = (callee['property'] as Node)['name'] as string;
        if (READ_ONLY_OBJECT_FUNCTIONS.has(fn)) { use.valueUses++; return; }
      }
    }
    if (p.type === 'SpreadElement' && ancestors[i - 2]?.node.type === 'ObjectExpression') { use.valueUses++; return; }
    if (p.type === 'BinaryExpression' && (p['operator'] === '===' || p['operator'] === '!==' || (p['operator'] === 'in' && key === 'right'))) { use.valueUses++; return; }
    if (p.type === 'ForInStatement' && key === 'right') { use.valueUses++; return; }
    use.escapes++;
  };
  const visit = (n: Node, key: string): void => {
    ancestors.push({ node: n, key });
    const parent = ancestors[ancestors.length - 2]?.node;
    if (n.type === 'Identifier' && parent !== undefined) {
      const name = n['name'] as string;
      if (isReference(parent, key)) {
        const v = known.get(name);
        const use = enums.get(name);
        if (v !== undefined) {
          const reads = constantReads.get(name) ?? [];
          constantReads.set(name, reads);
          if (parent.type === 'Property' && parent['shorthand'] === true) {
            if (key === 'value') reads.push({ start: parent.start, end: parent.end, text: `${name}: ${literal(v)}` });
          } else {
            const asObject = parent.type === 'MemberExpression' && key === 'object';
            reads.push({ start: n.start, end: n.end, text: asObject ? `(${literal(v)})` : literal(v) });
          }
        } else if (use !== undefined) enumReference(n, use);
      }
      ancestors.pop();
      return;
    }
    for (const k of Object.keys(n)) {
      if (k === 'type' || k === 'start' || k === 'end') continue;
      const c = n[k];
      if (Array.isArray(c)) {
        for (const x of c) if (isNode(x)) visit(x, k);
      } else if (isNode(c)) visit(c, k);
    }
    ancestors.pop();
  };
  visit(program as Node, '');

  // What is inlined: every constant, every enum not written through nor (when it escapes) left
  // unfrozen for want of the global Object; then, until nothing changes, not what was folded from
  // an enum that is not.
  const inlinedEnums = new Set<string>();
  for (const [name, use] of enums) if (!use.poisoned && (use.escapes === 0 || objectIsGlobal)) inlinedEnums.add(name);
  const inlinedConstants = new Set(known.keys());
  for (let changed = true; changed; ) {
    changed = false;
    for (const [name, deps] of dependsOn) {
      if (![...deps].every((d) => inlinedEnums.has(d))) {
        if (inlinedEnums.delete(name) || inlinedConstants.delete(name)) changed = true;
      }
    }
  }
  const edits: Edit[] = [];
  const removed: Edit[] = [];
  for (const [name, reads] of constantReads) if (inlinedConstants.has(name)) edits.push(...reads);
  for (const name of inlinedConstants) removed.push(removal(code, declarations.get(name) as Node));
  const kept: string[] = [];
  let enumReads = 0;
  for (const name of inlinedEnums) {
    const use = enums.get(name) as EnumUse;
    edits.push(...use.reads);
    enumReads += use.reads.length;
    if (use.valueUses === 0 && use.escapes === 0) {
      removed.push(removal(code, use.declaration));
      continue;
    }
    kept.push(name);
    // Where it goes, nothing may change it: its reads were written as its numbers.
    if (use.escapes > 0) edits.push({ start: use.init.start, end: use.init.start, text: 'Object.freeze(' }, { start: use.init.end, end: use.init.end, text: ')' });
  }
  // Edits inside a removed declaration (a constant read by a constant's value) go with it.
  const all = edits.filter((e) => !removed.some((r) => r.start <= e.start && e.end <= r.end)).concat(removed);
  all.sort((a, b) => b.start - a.start || b.end - a.end);
  let out = code;
  for (const e of all) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return { code: out, inlined: inlinedConstants.size, enums: [...inlinedEnums].sort(), keptEnums: kept.sort(), enumReads };
}

/** A declaration's removal: its newlines stay, so every line keeps its number. */
function removal(code: string, s: Node): Edit {
  return { start: s.start, end: s.end, text: code.slice(s.start, s.end).replace(/[^\n]/g, '') };
}

/**
 * The rollup step (renderChunk): before any step that counts the chunk's module-level names
 * (xs-frame.ts). It moves no line, so the source map still holds (`map: null`).
 */
export function inlineConstantsPlugin(): Plugin {
  return {
    name: 'mcdsm-inline-constants',
    renderChunk(code) {
      const r = inlineConstants(code, this.parse(code));
      return r.code === code ? null : { code: r.code, map: null };
    },
  };
}

/** Whether an identifier under `parent` (as its `key`) reads a variable. */
function isReference(parent: Node, key: string): boolean {
  switch (parent.type) {
    case 'MemberExpression': return key !== 'property' || parent['computed'] === true;
    case 'Property': return parent['shorthand'] === true ? key === 'value' : key === 'value' || parent['computed'] === true;
    case 'MethodDefinition': case 'PropertyDefinition': return key !== 'key' || parent['computed'] === true;
    case 'LabeledStatement': case 'BreakStatement': case 'ContinueStatement': return false;
    case 'MetaProperty': return false;
    case 'VariableDeclarator': return key !== 'id';
    case 'ExportSpecifier': return key === 'local';
    default: return true;
  }
}
