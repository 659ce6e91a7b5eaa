// A loopback proxy in front of a media double that can fail chosen session reads, to pin what the bot does when
// the second read of a cycle (the confirmation before acting) fails while the first one worked.
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FlakyProxy {
  readonly url: string;
  /** Answers the n-th session read from now (1 = the next one) with the server's bare HTML 500. */
  failSessionRead(n: number): void;
  stop(): Promise<void>;
}

/** Plex lists sessions at /status/sessions, Jellyfin and Emby at /Sessions. */
const isSessionRead = (method: string | undefined, path: string) =>
  method === 'GET' && /^(\/emby)?\/(status\/sessions|sessions)(\?|$)/i.test(path);

export async function startFlakyProxy(target: string): Promise<FlakyProxy> {
  const to = new URL(target);
  let countdown: number | null = null;
  const server = createServer((req, res) => {
    if (isSessionRead(req.method, req.url ?? '') && countdown !== null) {
      countdown -= 1;
      if (countdown === 0) {
        countdown = null;
        res.writeHead(500, { 'content-type': 'text/html' });
        res.end('<html><head><title>Internal Server Error</title></head><body><h1>500</h1></body></html>');
        return;
      }
    }
    const upstream = request(
      { host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    failSessionRead(n) {
      countdown = n;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
