// The health and metrics listener (off unless HTTP_PORT is set): /healthz, /readyz and /metrics. Plain node:http;
// it reads, never writes, and answers every other path with 404.
import { createServer, type Server } from 'node:http';
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

export async function startHttpListener(options: {
  host: string;
  port: number;
  endpoints: HealthEndpoints;
  log: Logger;
}): Promise<HttpListener> {
  const { endpoints, log } = options;
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const send = (status: number, contentType: string, body: string) => {
      res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    const json = (status: number, value: unknown) =>
      send(status, 'application/json; charset=utf-8', `${JSON.stringify(value)}\n`);
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(405, { error: 'only GET and HEAD' });
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
      return json(404, { error: 'not found', paths: ['/healthz', '/readyz', '/metrics'] });
    };
    answer().catch((err) => {
      log.error({ err, path }, 'health endpoint failed');
      if (!res.headersSent) json(500, { error: 'internal error' });
    });
  });
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
