/** A TCP "console" for CLI tests: answers what a board's shell would, or stays silent. */
import { createServer, type Server, type Socket } from 'node:net';

/** A TCP "console" that answers each line with `answer(line)` (null: silence). */
export async function fakeConsole(answer: (line: string) => string | null): Promise<{ url: string; server: Server }> {
  const server = createServer((s: Socket) => {
    let buf = '';
    s.on('data', (d: Buffer) => {
      buf += d.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i).replace(/[\r\x15]/g, '');
        buf = buf.slice(i + 1);
        const a = answer(line);
        if (a !== null) s.write(a);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return { url: `tcp://127.0.0.1:${port}`, server };
}

/** A shell that answers ping and refuses everything else with ERR. */
export const refusing = (line: string): string | null => {
  const ping = /^ping (\S+)$/.exec(line);
  if (ping !== null) return `pong=${ping[1]}\r\nOK\r\n`;
  return 'ERR unknown command\r\n';
};


/** Run `body` with a fake console's URL; the console is closed afterwards whatever happens. */
export async function withFakeConsole<T>(answer: (line: string) => string | null, body: (url: string) => Promise<T>): Promise<T> {
  const { url, server } = await fakeConsole(answer);
  try {
    return await body(url);
  } finally {
    server.close();
  }
}
