// A typescript-to-lua plugin (used by scripts/build-lua.mjs): per-iteration bindings for
// `for (let i = ...; ...; ...)`. JavaScript gives every iteration its own `i`, so a closure made
// in the body keeps that iteration's value; TSTL 1.37 compiles the loop to one Lua local that the
// incrementor keeps changing, so a callback registered in iteration 0 and run later sees the
// final value (McapiNode.waitAny's hooks all reported `reqs[reqs.length]`, i.e. nil: the
// `release(nil)` at request.lua:99 of issue #13). Where the body captures a loop variable in a
// function, the loop body is emitted as `do local i = i; <body> end`, before the incrementor: the
// closures hold the inner copy, the incrementor the outer one — JavaScript's semantics as long as
// the body does not assign the variable itself. A body that both captures and assigns a loop
// variable fails the build with the place named (JavaScript copies the assigned value forward,
// which this form would not): restructure such a loop.
import { createRequire } from 'node:module';
import * as ts from 'typescript';

const require = createRequire(import.meta.url);
const lua = require('typescript-to-lua/dist/LuaAST.js');
const { transformLoopBody, invertCondition } = require('typescript-to-lua/dist/transformation/visitors/loops/utils.js');
const { transformVariableDeclaration, checkVariableDeclarationList } = require('typescript-to-lua/dist/transformation/visitors/variable-declaration.js');
const { transformInPrecedingStatementScope } = require('typescript-to-lua/dist/transformation/utils/preceding-statements.js');
const { ScopeType } = require('typescript-to-lua/dist/transformation/utils/scope.js');

function isAssignment(node) {
  if (ts.isBinaryExpression(node)) {
    const k = node.operatorToken.kind;
    return k >= ts.SyntaxKind.FirstAssignment && k <= ts.SyntaxKind.LastAssignment ? node.left : undefined;
  }
  if (ts.isPrefixUnaryExpression(node) || ts.isPostfixUnaryExpression(node)) {
    const k = node.operator;
    return k === ts.SyntaxKind.PlusPlusToken || k === ts.SyntaxKind.MinusMinusToken ? node.operand : undefined;
  }
  return undefined;
}

/** The loop's `let` variables captured by a function in its body; throws if the body also assigns one. */
function capturedLoopVariables(statement, checker) {
  const init = statement.initializer;
  if (init === undefined || !ts.isVariableDeclarationList(init) || (init.flags & ts.NodeFlags.Let) === 0) return [];
  const bySymbol = new Map();
  for (const d of init.declarations) {
    if (!ts.isIdentifier(d.name)) continue;
    const s = checker.getSymbolAtLocation(d.name);
    if (s !== undefined) bySymbol.set(s, d);
  }
  const captured = new Set();
  const assigned = new Set();
  const walk = (node, inFunction) => {
    const inner = inFunction || ts.isFunctionLike(node);
    if (ts.isIdentifier(node)) {
      const s = checker.getSymbolAtLocation(node);
      if (s !== undefined && bySymbol.has(s) && inner) captured.add(s);
    }
    const target = isAssignment(node);
    if (target !== undefined && ts.isIdentifier(target)) {
      const s = checker.getSymbolAtLocation(target);
      if (s !== undefined && bySymbol.has(s)) assigned.add(s);
    }
    ts.forEachChild(node, (c) => walk(c, inner));
  };
  walk(statement.statement, false);
  for (const s of captured) {
    if (assigned.has(s)) {
      const sf = statement.getSourceFile();
      const { line } = sf.getLineAndCharacterOfPosition(statement.getStart());
      throw new Error(`${sf.fileName}:${line + 1}: a closure in this loop captures '${s.name}', which the loop body also assigns: the Lua build cannot give it per-iteration bindings (restructure the loop)`);
    }
  }
  return [...captured].map((s) => bySymbol.get(s));
}

/** TSTL's transformForStatement (visitors/loops/for.js), with the body wrapped as described above. */
function transformFor(statement, context) {
  const copies = capturedLoopVariables(statement, context.checker);
  if (copies.length === 0) return context.superTransformStatements(statement);
  const result = [];
  context.pushScope(ScopeType.Loop, statement);
  checkVariableDeclarationList(context, statement.initializer);
  result.push(...statement.initializer.declarations.flatMap((d) => transformVariableDeclaration(context, d)));
  const names = copies.map((d) => context.transformExpression(d.name));
  const inner = names.map((id) => lua.createIdentifier(id.text));
  const outer = names.map((id) => lua.createIdentifier(id.text));
  const body = [lua.createDoStatement([lua.createVariableDeclarationStatement(inner, outer), ...transformLoopBody(context, statement)])];
  let condition = lua.createBooleanLiteral(true);
  if (statement.condition !== undefined) {
    const tsCondition = statement.condition;
    const { precedingStatements, result: cond } = transformInPrecedingStatementScope(context, () => context.transformExpression(tsCondition));
    condition = cond;
    if (precedingStatements.length > 0) {
      precedingStatements.push(lua.createIfStatement(invertCondition(condition), lua.createBlock([lua.createBreakStatement()]), undefined, tsCondition));
      body.unshift(...precedingStatements);
      condition = lua.createBooleanLiteral(true);
    }
  }
  if (statement.incrementor !== undefined) {
    body.push(...context.transformStatements(ts.factory.createExpressionStatement(statement.incrementor)));
  }
  result.push(lua.createWhileStatement(lua.createBlock(body), condition, statement));
  context.popScope();
  return lua.createDoStatement(result, statement);
}

export const loopBindingsPlugin = {
  visitors: { [ts.SyntaxKind.ForStatement]: transformFor },
};
