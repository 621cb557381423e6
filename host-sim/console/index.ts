/** Host-side console tools: per-board TCP servers and ptys, the interactive client and inject(). */
export { ConsoleServer, ConsoleHub, DEFAULT_MAX_CLIENT_BUFFER } from './tcp-server.js';
export type { ConsoleServerOptions, ConsoleServerStats, ConsoleHubOptions, BoardConsoleInfo } from './tcp-server.js';
export { openPty, SocatMissingError } from './pty.js';
export type { PtyOptions, PtyBridge } from './pty.js';
export { connectConsole, parseConsoleAddress, formatConsoleAddress, DEFAULT_BAUD } from './connection.js';
export type { ConsoleAddress, ConsoleConnection, ConnectOptions } from './connection.js';
export { ConsoleSession, LineSplitter, inject, checkCommandLine, DEFAULT_COMMAND_TIMEOUT_MS } from './session.js';
export type { ConsoleAnswer, SessionOptions } from './session.js';
export { LineEditor, MAX_EDIT_LINE } from './line-editor.js';
export type { EditResult } from './line-editor.js';
export { runConsole } from './client.js';
export type { ConsoleClientOptions, ConsoleRunResult } from './client.js';
