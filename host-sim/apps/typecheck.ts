/**
 * Type-checks a user's app the way a board sees it: strict TypeScript, ES2022 and nothing else
 * (no DOM, no Node.js types: `console`, `setTimeout` or `Buffer` do not exist on a board), with
 * `mcdsm` resolved to this package's app API. Every problem names its file, line and column.
 */
import ts from 'typescript';
import { isBuiltin } from 'node:module';
import { relative } from 'node:path';
import { AppError } from './errors.js';
import { APP_API_DTS, DIST } from './package-root.js';
import { HOST_NAMES } from './host-names.js';

/** Cannot find module / name (2307, 2792; 2304, 2580-2584, 2591-2593). */
const MISSING_CODES: ReadonlySet<number> = new Set([2307, 2792, 2304, 2580, 2581, 2582, 2583, 2584, 2591, 2592, 2593]);

/** Diagnostics shown before the rest is summarised as "... and N more". */
const MAX_SHOWN = 12;

export interface TypecheckResult {
  /** Every file of the program outside TypeScript's own libs (for the cache's fingerprint). */
  files: string[];
}

export function boardCompilerOptions(): ts.CompilerOptions {
  return {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2022.d.ts'],
    types: [],
    strict: true,
    noEmit: true,
    allowJs: true,
    checkJs: false,
    allowImportingTsExtensions: true,
    skipLibCheck: true,
    noFallthroughCasesInSwitch: true,
    forceConsistentCasingInFileNames: true,
    paths: { mcdsm: [APP_API_DTS] },
  };
}

export function typecheckApp(entry: string, cwd: string = process.cwd()): TypecheckResult {
  const options = boardCompilerOptions();
  const program = ts.createProgram({ rootNames: [entry], options, host: sharingHost(options) });
  const diagnostics = ts.getPreEmitDiagnostics(program).filter((d) => d.file === undefined || !d.file.fileName.startsWith(DIST));
  const errors = diagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0) {
    const lines = errors.slice(0, MAX_SHOWN).map((d) => diagnosticText(d, cwd));
    if (errors.length > MAX_SHOWN) lines.push(`... and ${errors.length - MAX_SHOWN} more`);
    const head = errors.length === 1 ? 'does not type-check' : `does not type-check (${errors.length} errors)`;
    throw new AppError(`app ${relative(cwd, entry) || entry} ${head}:\n  ${lines.join('\n  ')}`);
  }
  const libDir = program.getCompilerOptions().noLib ? '' : ts.getDefaultLibFilePath(program.getCompilerOptions()).replace(/[^/\\]*$/, '');
  return { files: program.getSourceFiles().map((f) => f.fileName).filter((f) => libDir === '' || !f.startsWith(libDir)) };
}

/** TypeScript's libs and mcdsm's declarations, parsed once per process (they do not change under a run). */
const sharedFiles = new Map<string, ts.SourceFile>();

function sharingHost(options: ts.CompilerOptions): ts.CompilerHost {
  const host = ts.createCompilerHost(options);
  const libDir = ts.getDefaultLibFilePath(options).replace(/[^/\\]*$/, '');
  const parse = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, language, onError, shouldCreate) => {
    const shared = fileName.startsWith(libDir) || fileName.startsWith(DIST);
    const hit = shared ? sharedFiles.get(fileName) : undefined;
    if (hit !== undefined) return hit;
    const file = parse(fileName, language, onError, shouldCreate);
    if (shared && file !== undefined) sharedFiles.set(fileName, file);
    return file;
  };
  return host;
}

function diagnosticText(d: ts.Diagnostic, cwd: string): string {
  let message = ts.flattenDiagnosticMessageText(d.messageText, '\n    ');
  const name = /'([^']+)'/.exec(message)?.[1];
  if (name !== undefined && MISSING_CODES.has(d.code)) {
    // "Cannot find module 'node:fs'", "Cannot find name 'console'": the real reason is that a board has neither.
    if (HOST_NAMES.has(name)) message = `uses "${name}", which a board does not have (no Node.js or browser globals on a board: log with ctx.log, wait with ctx.sleep)`;
    else if (isBuiltin(name)) message = `imports "${name}", a Node.js built-in module: a board has no Node.js (an app imports "mcdsm" and board-safe packages only)`;
  }
  if (d.file === undefined || d.start === undefined) return `error TS${d.code}: ${message}`;
  const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
  return `${relative(cwd, d.file.fileName) || d.file.fileName}:${line + 1}:${character + 1} - error TS${d.code}: ${message}`;
}
