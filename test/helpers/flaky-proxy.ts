// A loopback proxy in front of a media double that can fail chosen session reads, to pin what the bot does when
// the second read of a cycle (the confirmation before acting) fails while the first one worked.
import { createServer, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';

export interface FlakyProxy {
  readonly url: string;
  /** Answers the n-th session read from now (1 = the next one) with the server's bare HTML 500. */
  failSessionRead(n: number): void;
  /**
   * From now on every session read is answered with a huge 200 (null: proxied again): 'gigabyte' streams 1 GB of
   * XML-looking text in 64 kB chunks (generated as it is sent, never held in memory), 'gzip-bomb' sends about
   * 1 MB of gzip that inflates to 1 GB (1,024 concatenated gzip members of 1 MB of spaces; RFC 1952 §2.2 allows
   * several members, and Node's zlib reads them all).
   */
  oversize(mode: 'gigabyte' | 'gzip-bomb' | null): void;
  /** Bytes the oversized answers actually put on the wire (the reader stops early, so far less than 1 GB). */
  readonly oversizedBytesSent: number;
  stop(): Promise<void>;
}

const GIGABYTE = 1024 * 1024 * 1024;
const CHUNK = Buffer.from(`<Video title="${'x'.repeat(64 * 1024 - 20)}"/>\n`);

function streamGigabyte(res: ServerResponse, sent: (n: number) => void): void {
  res.writeHead(200, { 'content-type': 'text/xml;charset=utf-8' });
  res.write('<?xml version="1.0" encoding="UTF-8"?>\n<MediaContainer size="1">\n');
  let written = 0;
  const pump = () => {
    while (written < GIGABYTE && !res.destroyed) {
      written += CHUNK.length;
      sent(CHUNK.length);
      if (!res.write(CHUNK)) return void res.once('drain', pump);
    }
    if (!res.destroyed) res.end('</MediaContainer>\n');
  };
  res.on('close', () => {
    written = GIGABYTE;
  });
  pump();
}

let bombMember: Buffer | null = null;
function sendGzipBomb(res: ServerResponse, sent: (n: number) => void): void {
  bombMember ??= gzipSync(Buffer.alloc(1024 * 1024, 0x20), { level: 9 });
  const member = bombMember;
  res.writeHead(200, { 'content-type': 'text/xml;charset=utf-8', 'content-encoding': 'gzip' });
  let members = 0;
  const pump = () => {
    while (members < 1024 && !res.destroyed) {
      members += 1;
      sent(member.length);
      if (!res.write(member)) return void res.once('drain', pump);
    }
    if (!res.destroyed) res.end();
  };
  res.on('close', () => {
    members = 1024;
  });
  pump();
}

/** Plex lists sessions at /status/sessions, Jellyfin and Emby at /Sessions. */
const isSessionRead = (method: string | undefined, path: string) =>
  method === 'GET' && /^(\/emby)?\/(status\/sessions|sessions)(\?|$)/i.test(path);

export async function startFlakyProxy(target: string): Promise<FlakyProxy> {
  const to = new URL(target);
  let countdown: number | null = null;
  let oversize: 'gigabyte' | 'gzip-bomb' | null = null;
  let oversizedBytesSent = 0;
  const sent = (n: number) => {
    oversizedBytesSent += n;
  };
  const server = createServer((req, res) => {
    if (isSessionRead(req.method, req.url ?? '') && oversize) {
      res.on('error', () => {});
      if (oversize === 'gigabyte') streamGigabyte(res, sent);
      else sendGzipBomb(res, sent);
      return;
    }
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
    oversize(mode) {
      oversize = mode;
    },
    get oversizedBytesSent() {
      return oversizedBytesSent;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
