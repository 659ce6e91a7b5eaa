// The health and metrics listener (off unless HTTP_PORT is set): /healthz, /readyz and /metrics. Plain node:http;
// it reads, never writes, and answers every other path with 404. Whatever arrives on the port (a malformed target,
// a huge path, an odd method, a slow or endless request) gets an answer or a closed connection: nothing in the
// request is parsed by code that can throw, and the listener's own errors are logged, never fatal.
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
  STATUS_CODES,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log.ts';
import type { Readiness } from './readiness.ts';

export interface HealthEndpoints {
  readiness(): Promise<Readiness>;
  /** Prometheus text exposition and its content type. */
  metrics(): Promise<{ contentType: string; body: string }>;
}

export interface HttpListener {
  readonly port: number;
  close(): Promise<void>;
}

/** Limits of the listener: a monitoring scraper needs a handful of short requests, never more. */
export const HTTP_LIMITS = {
  /** Connections open at once; more are closed as they arrive. */
  maxConnections: 32,
  /** Time to send the request line and headers (Node's slowloris guard). */
  headersTimeoutMs: 10_000,
  /** Time for a whole request. */
  requestTimeoutMs: 15_000,
  /** Idle keep-alive connections are closed after this. */
  keepAliveTimeoutMs: 5_000,
  /** Request line and headers together (Node answers 431 past it). */
  maxHeaderSize: 8 * 1024,
  /** Longest request target looked at; longer ones get 414. */
  maxTargetLength: 2048,
} as const;

const PATHS = ['/healthz', '/readyz', '/metrics'];

/**
 * The path of a request target (RFC 9112 §3.2): origin-form (`/readyz?x`) or absolute-form
 * (`http://host/readyz`). Anything else (asterisk-form, authority-form, garbage, `//`) is `null`, a 400.
 */
export function requestPath(target: string): string | null {
  if (target.startsWith('/')) return target.split(/[?#]/, 1)[0] ?? null;
  if (!/^https?:\/\//i.test(target) || !URL.canParse(target)) return null;
  try {
    return new URL(target).pathname;
  } catch {
    return null;
  }
}

export async function startHttpListener(options: {
  host: string;
  port: number;
  endpoints: HealthEndpoints;
  log: Logger;
}): Promise<HttpListener> {
  const { endpoints, log } = options;
  const server: Server = createServer(
    {
      headersTimeout: HTTP_LIMITS.headersTimeoutMs,
      requestTimeout: HTTP_LIMITS.requestTimeoutMs,
      keepAliveTimeout: HTTP_LIMITS.keepAliveTimeoutMs,
      maxHeaderSize: HTTP_LIMITS.maxHeaderSize,
      // How often the two timeouts above are checked (Node's default, 30 s, would let a slow client sit for 40 s).
      connectionsCheckingInterval: 1_000,
    },
    (req, res) => {
      try {
        handle(req, res);
      } catch (err) {
        log.warn({ err }, 'health listener: request failed');
        if (!res.headersSent) res.writeHead(500, { connection: 'close' });
        res.end();
      }
    },
  );
  server.maxConnections = HTTP_LIMITS.maxConnections;
  // Errors of the listening socket after start-up (EMFILE on accept, …) and of single connections are logged;
  // a connection that can't be parsed gets Node's 400 (or 431, 408) and is closed.
  server.on('error', (err) => log.warn({ err }, 'health listener error'));
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (socket.writable && err.code !== 'ECONNRESET') {
      const status =
        err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
      socket.end(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
      );
    }
    socket.destroy();
  });

  function handle(req: IncomingMessage, res: ServerResponse) {
    const target = req.url ?? '';
    const send = (status: number, contentType: string, body: string, close = false) => {
      if (res.headersSent || res.destroyed) return;
      res.writeHead(status, {
        'content-type': contentType,
        'cache-control': 'no-store',
        ...(close ? { connection: 'close' } : {}),
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    const json = (status: number, value: unknown, close = false) =>
      send(status, 'application/json; charset=utf-8', `${JSON.stringify(value)}\n`, close);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return json(405, { error: 'only GET and HEAD' }, true);
    }
    if (target.length > HTTP_LIMITS.maxTargetLength)
      return json(414, { error: 'request target too long' }, true);
    const path = requestPath(target);
    if (path === null) return json(400, { error: 'bad request target' }, true);
    const answer = async () => {
      if (path === '/healthz') return json(200, { status: 'alive' });
      if (path === '/readyz') {
        const readiness = await endpoints.readiness();
        return json(readiness.ready ? 200 : 503, readiness);
      }
      if (path === '/metrics') {
        const { contentType, body } = await endpoints.metrics();
        return send(200, contentType, body);
      }
      return json(404, { error: 'not found', paths: PATHS });
    };
    answer().catch((err) => {
      log.error({ err, path: path.slice(0, 100) }, 'health endpoint failed');
      json(500, { error: 'internal error' });
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  log.info({ host: options.host, port }, 'health and metrics listening');
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
