// A typescript-to-lua plugin (used by scripts/build-lua.mjs): object literals remember their
// JavaScript shape, so JSON.stringify on Lua writes what it writes on XS and V8. A Lua table has
// no key order and cannot hold nil, so `{ rank, token: null, packets }` came out as
// `{"packets":8,"rank":1}`: the same result, but another `app-result` text, hence another trace
// digest than an XS board's for the same run. Each literal with static keys gets a shape shared
// by every object made at that place — its keys in source order and which of them are `null`
// when absent (the property's type admits null) — attached as the table's metatable (no
// __index: the object reads exactly as before; pairs() and Object.keys ignore metatables).
// hal/lua/prelude.lua's JSON.stringify reads it: keys in source order, then keys added later
// in their order (the shape's `__newindex`, the prelude's `mcdsm_key_added`, records them: it
// runs only when a key the table lacks is stored), `null` for a nil member whose type admits
// null, `{}` for an empty object. The shapes of a file are one module-level table; the cost per
// object is one setmetatable.
import { createRequire } from 'node:module';
import * as ts from 'typescript';

const require = createRequire(import.meta.url);
const lua = require('typescript-to-lua/dist/LuaAST.js');

const SHAPES = '____mcdsm_shapes';

/** Shapes found per source file while it is transformed. */
const shapesByFile = new Map();

function staticName(name) {
  if (ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isNoSubstitutionTemplateLiteral(name)) return name.text;
  return undefined;
}

function admitsNull(type) {
  if ((type.flags & ts.TypeFlags.Null) !== 0) return true;
  return type.isUnion() && type.types.some((t) => (t.flags & ts.TypeFlags.Null) !== 0);
}

/** The shape of a run of properties, or undefined if a key is not static (or a spread). */
function shapeOf(properties, context) {
  const keys = [];
  const nulls = [];
  for (const p of properties) {
    if (!(ts.isPropertyAssignment(p) || ts.isShorthandPropertyAssignment(p) || ts.isMethodDeclaration(p))) return undefined;
    const name = staticName(p.name);
    if (name === undefined) return undefined;
    keys.push(name);
    if (ts.isPropertyAssignment(p) && admitsNull(context.checker.getTypeAtLocation(p.initializer))) nulls.push(name);
    if (ts.isShorthandPropertyAssignment(p) && admitsNull(context.checker.getTypeAtLocation(p.name))) nulls.push(name);
  }
  return { keys, nulls };
}

/** `setmetatable(table, <the file's shape n>)` for a new shape of `node`'s file. */
function withShape(node, table, shape) {
  // By file name: TSTL's pre-transform may hand the file visitor a new SourceFile node.
  const file = node.getSourceFile().fileName;
  let shapes = shapesByFile.get(file);
  if (shapes === undefined) {
    shapes = [];
    shapesByFile.set(file, shapes);
  }
  shapes.push(shape);
  const ref = lua.createTableIndexExpression(lua.createIdentifier(SHAPES), lua.createNumericLiteral(shapes.length));
  return lua.createCallExpression(lua.createIdentifier('setmetatable'), [table, ref], node);
}

function transformObjectLiteral(node, context) {
  const result = context.superTransformExpression(node);
  if (lua.isTableExpression(result)) {
    const shape = shapeOf(node.properties, context);
    return shape === undefined ? result : withShape(node, result, shape);
  }
  // `{ ...a, k: v, ... }` is `__TS__ObjectAssign(first, a, { k = v, ... }, ...)`: each run of
  // plain properties between spreads is one table argument, in order (the first one an empty
  // target when the literal starts with a spread). Each gets its run's shape, so the spread's
  // result lists `k ...` in source order, as the console's `stats` records do on XS.
  if (!lua.isCallExpression(result)) return result;
  const runs = [];
  let run = [];
  for (const p of node.properties) {
    if (ts.isSpreadAssignment(p)) {
      if (run.length > 0) runs.push(run);
      run = [];
    } else run.push(p);
  }
  if (run.length > 0) runs.push(run);
  const tables = [];
  result.params.forEach((param, i) => {
    if (lua.isTableExpression(param)) tables.push(i);
  });
  if (node.properties.length > 0 && ts.isSpreadAssignment(node.properties[0]) && tables[0] === 0) tables.shift();
  if (tables.length !== runs.length) return result;
  tables.forEach((at, r) => {
    const shape = shapeOf(runs[r], context);
    if (shape !== undefined) result.params[at] = withShape(node, result.params[at], shape);
  });
  return result;
}

function shapeTable({ keys, nulls }) {
  const fields = [lua.createTableFieldExpression(lua.createTableExpression(keys.map((k) => lua.createTableFieldExpression(lua.createStringLiteral(k)))), lua.createStringLiteral('____order'))];
  // Keys added after the literal are recorded in their order by the prelude's hook.
  fields.push(lua.createTableFieldExpression(lua.createIdentifier('mcdsm_key_added'), lua.createStringLiteral('__newindex')));
  if (nulls.length > 0) {
    fields.push(lua.createTableFieldExpression(lua.createTableExpression(nulls.map((k) => lua.createTableFieldExpression(lua.createBooleanLiteral(true), lua.createStringLiteral(k)))), lua.createStringLiteral('____nulls')));
  }
  return lua.createTableExpression(fields);
}

function transformSourceFile(node, context) {
  shapesByFile.delete(node.fileName);
  const out = context.superTransformNode(node);
  const shapes = shapesByFile.get(node.fileName);
  shapesByFile.delete(node.fileName);
  const file = out[0];
  if (shapes !== undefined && file !== undefined && lua.isFile(file)) {
    file.statements.unshift(lua.createVariableDeclarationStatement(lua.createIdentifier(SHAPES), lua.createTableExpression(shapes.map((s) => lua.createTableFieldExpression(shapeTable(s))))));
  }
  return out;
}

export const objectOrderPlugin = {
  visitors: {
    [ts.SyntaxKind.ObjectLiteralExpression]: transformObjectLiteral,
    [ts.SyntaxKind.SourceFile]: transformSourceFile,
  },
};
