/**
 * Ports for wall-clock tests (test/util/wait.ts): a port found free can be taken by another
 * process before the test listens on it (the race behind the EADDRINUSE of `--consoles
 * tcp:BASEPORT` runs and the hub's base-port test). Here another listener takes the first port
 * found, as another process would: a single try fails with EADDRINUSE (what the tests did
 * before), onFreePorts takes fresh ports and the console server listens. Serial: both tests
 * take ports from the same pid-derived start.
 */
import test from 'ava';
import net from 'node:net';
import { ConsoleServer } from '../../host-sim/console/tcp-server.js';
import { freePortRun, onFreePorts, portTaken, PORT_ATTEMPTS } from '../util/wait.js';

function listen(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(port, '127.0.0.1', () => resolve(s));
  });
}

const close = (s: net.Server): Promise<void> => new Promise((r) => s.close(() => r()));

/** freePortRun, but the first port it finds is taken at once by `thief`, as by another process. */
function racedFinder(thieves: net.Server[], races: number): (count: number) => Promise<number> {
  let calls = 0;
  return async (count) => {
    const base = await freePortRun(count);
    if (calls++ < races) thieves.push(await listen(base));
    return base;
  };
}

test.serial('a port taken between finding it and listening on it: one try fails, onFreePorts listens on fresh ones', async (t) => {
  const thieves: net.Server[] = [];
  try {
    // One try, as before: the server's listen on the found port fails.
    const stolen = await racedFinder(thieves, 1)(1);
    const once = await t.throwsAsync(() => ConsoleServer.listen({ port: stolen, onInput: () => undefined }));
    t.true(portTaken(once), String(once));
    // With onFreePorts: the first port is taken, the second try listens.
    const tried: number[] = [];
    const server = await onFreePorts(1, (port) => (tried.push(port), ConsoleServer.listen({ port, onInput: () => undefined })), undefined, racedFinder(thieves, 1));
    try {
      t.is(tried.length, 2);
      t.is(server.port, tried[1]);
      t.not(server.port, tried[0]);
    } finally {
      await server.close();
    }
    // A result that says the port was taken (a CLI's stderr) is tried again too.
    const runs: string[] = [];
    const r = await onFreePorts(1, (port) => (runs.push(String(port)), runs.length === 1 ? 'listen EADDRINUSE: address already in use' : 'ok'), portTaken);
    t.is(r, 'ok');
    t.is(runs.length, 2);
  } finally {
    await Promise.all(thieves.map(close));
  }
});

test.serial('every try lost: the last EADDRINUSE is thrown after PORT_ATTEMPTS, other errors at once', async (t) => {
  const thieves: net.Server[] = [];
  try {
    let tries = 0;
    const e = await t.throwsAsync(() => onFreePorts(1, (port) => (tries++, ConsoleServer.listen({ port, onInput: () => undefined })), undefined, racedFinder(thieves, PORT_ATTEMPTS)));
    t.true(portTaken(e), String(e));
    t.is(tries, PORT_ATTEMPTS);
    let other = 0;
    await t.throwsAsync(() => onFreePorts(1, () => (other++, Promise.reject(new Error('no such device')))), { message: 'no such device' });
    t.is(other, 1);
  } finally {
    await Promise.all(thieves.map(close));
  }
});
