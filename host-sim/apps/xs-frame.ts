/**
 * The XS board bundle's frame always takes BUNDLE_FRAME_SLOTS stack slots (creation.ts says why):
 * the module-level names rollup hoisted into the iife, padded with unused `var`s. More names
 * than the frame holds is a build error naming both figures, instead of every simulated XS board
 * dying at load with "stack overflow".
 */
import type { Plugin } from 'rollup';
import { BUNDLE_FRAME_SLOTS } from '../firmware/creation.js';

/** The parts of an ESTree node this plugin reads. */
interface Node {
  type: string;
  start: number;
  end: number;
  name?: string;
  id?: Node | null;
  body?: Node | Node[];
  expression?: Node;
  callee?: Node;
  directive?: string;
  declarations?: Node[];
  properties?: Node[];
  elements?: (Node | null)[];
  argument?: Node;
  value?: Node;
  left?: Node;
}

/** Names a declaration pattern binds (destructuring included). */
function boundNames(node: Node | null | undefined, out: string[]): void {
  if (node === null || node === undefined) return;
  switch (node.type) {
    case 'Identifier':
      out.push(node.name ?? '');
      break;
    case 'ObjectPattern':
      for (const p of node.properties ?? []) boundNames(p.type === 'RestElement' ? p.argument : p.value, out);
      break;
    case 'ArrayPattern':
      for (const e of node.elements ?? []) boundNames(e?.type === 'RestElement' ? e.argument : e, out);
      break;
    case 'AssignmentPattern':
      boundNames(node.left, out);
      break;
  }
}

/** The module-level names of an iife bundle, or null when `program` is not one iife. */
export function iifeNames(program: Node): { names: string[]; bodyStart: number; prologueEnd: number } | null {
  const body = Array.isArray(program.body) ? program.body : [];
  const fn = body.length === 1 ? body[0]?.expression?.callee : undefined;
  if (fn === undefined || fn.type !== 'FunctionExpression' || fn.body === undefined || Array.isArray(fn.body)) return null;
  const statements = Array.isArray(fn.body.body) ? fn.body.body : [];
  const names: string[] = [];
  for (const st of statements) {
    if (st.type === 'VariableDeclaration') for (const d of st.declarations ?? []) boundNames(d.id, names);
    else if ((st.type === 'FunctionDeclaration' || st.type === 'ClassDeclaration') && st.id) names.push(st.id.name ?? '');
  }
  const first = statements[0];
  // Padding goes after the 'use strict' prologue: a statement before it would make the bundle sloppy.
  const prologueEnd = first !== undefined && first.type === 'ExpressionStatement' && first.directive !== undefined ? first.end : fn.body.start + 1;
  return { names, bodyStart: fn.body.start, prologueEnd };
}

export function xsBundleFrame(slots: number = BUNDLE_FRAME_SLOTS): Plugin {
  return {
    name: 'mcdsm-xs-bundle-frame',
    renderChunk(code) {
      const found = iifeNames(this.parse(code) as unknown as Node);
      if (found === null) this.error('the XS board bundle is not one iife');
      const n = found.names.length;
      if (n > slots) {
        this.error(
          `the XS board bundle has ${n} module-level names, more than BUNDLE_FRAME_SLOTS (${slots}, ` +
            'host-sim/firmware/creation.ts and scripts/setup.mjs): raise both (npm install rebuilds the ' +
            'board engine) or fold module-level helpers and constants into fewer names',
        );
      }
      const pad = slots - n;
      if (pad === 0) return null;
      // One line, no newline: the lines after it keep their source-map positions.
      const padding = ` var ${Array.from({ length: pad }, (_, i) => `$frame${i}`).join(',')};`;
      return { code: code.slice(0, found.prologueEnd) + padding + code.slice(found.prologueEnd), map: null };
    },
  };
}
