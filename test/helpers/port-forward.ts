// A second loopback port for the same double: every TCP connection is piped to the double as it is (HTTP and its
// push socket alike), so the server answers with its own identity at another address.
import { type AddressInfo, createConnection, createServer, type Socket } from 'node:net';

export interface PortForward {
  readonly url: string;
  stop(): Promise<void>;
}

export async function forwardPort(targetUrl: string): Promise<PortForward> {
  const target = new URL(targetUrl);
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = createConnection({ host: target.hostname, port: Number(target.port) });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
