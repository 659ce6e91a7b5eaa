// Whatever arrives on the health port, the bot keeps running: raw request lines that a browser would never send
// (a `//` target, a broken absolute-form target, a huge path, odd methods, garbage, a request that never ends,
// more connections than the cap) each get an answer or a closed connection, and /healthz still answers afterwards.
// A throw in the listener would be an uncaught exception in this very process, so the test runner would fail too.
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { HTTP_LIMITS, requestPath } from '../../src/http/server.ts';
import { DiscordDouble } from '../doubles/discord/index.ts';
import { startTestBot, type TestBot } from '../helpers/bot.ts';

const ADMIN = { id: '219000000000000001', username: 'owner' };

/** Sends raw bytes and collects everything until the server closes the connection (or `waitMs` passes). */
function raw(
  port: number,
  bytes: string | Buffer,
  waitMs = 20_000,
): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text, closed: false });
    }, waitMs);
    socket.on('data', (d) => {
      text += d.toString('latin1');
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text, closed: true });
    });
    socket.write(bytes);
  });
}

const statusOf = (text: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);

describe('hostile requests on the health port', () => {
  let discord: DiscordDouble;
  let bot: TestBot;
  let port: number;

  const healthz = async () => {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    return { status: res.status, body: await res.text() };
  };

  before(async () => {
    discord = await DiscordDouble.start({ ownerId: ADMIN.id, members: [ADMIN] });
    bot = await startTestBot({ discord, config: { httpPort: 0 } });
    port = bot.bot.http?.port ?? 0;
    assert.ok(port > 0, 'the listener is on');
  });

  after(async () => {
    await bot?.stop();
    await discord?.stop();
  });

  test('request targets are read without anything that can throw', () => {
    assert.equal(requestPath('/healthz?x=1#y'), '/healthz');
    assert.equal(requestPath('//'), '//');
    assert.equal(requestPath('http://example.org/readyz?a'), '/readyz');
    assert.equal(requestPath('http://['), null);
    assert.equal(requestPath('*'), null);
    assert.equal(requestPath('example.org:443'), null);
    assert.equal(requestPath('javascript:alert(1)'), null);
  });

  test('each hostile request line gets a 4xx or a closed connection, never a crash', async () => {
    const huge = `/${'a'.repeat(64 * 1024)}`;
    const cases: Array<[string, string | Buffer, number[]]> = [
      ['// target', 'GET // HTTP/1.1\r\nHost: x\r\n\r\n', [404]],
      ['broken absolute-form', 'GET http://[ HTTP/1.1\r\nHost: x\r\n\r\n', [400]],
      ['absolute-form', 'GET http://example.org/healthz HTTP/1.1\r\nHost: x\r\n\r\n', [200]],
      ['asterisk-form', 'OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n', [405]],
      ['authority-form', 'CONNECT example.org:443 HTTP/1.1\r\nHost: x\r\n\r\n', [400, 405, 0]],
      ['scheme-less garbage target', 'GET javascript:alert(1) HTTP/1.1\r\nHost: x\r\n\r\n', [400]],
      ['a 3 kB path', `GET /${'b'.repeat(3000)} HTTP/1.1\r\nHost: x\r\n\r\n`, [414]],
      ['a 64 kB path', `GET ${huge} HTTP/1.1\r\nHost: x\r\n\r\n`, [431, 400, 0]],
      ['a 64 kB header', `GET /healthz HTTP/1.1\r\nHost: x\r\nX: ${'c'.repeat(65536)}\r\n\r\n`, [431, 0]],
      ['odd method', 'BREW /healthz HTTP/1.1\r\nHost: x\r\n\r\n', [400, 405]],
      ['known method, not served', 'DELETE /healthz HTTP/1.1\r\nHost: x\r\n\r\n', [405]],
      ['POST with a body', 'POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello', [405]],
      ['lower-case method', 'get /healthz HTTP/1.1\r\nHost: x\r\n\r\n', [400]],
      ['HTTP/9', 'GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n', [400, 505]],
      ['NUL in the target', 'GET /he\0althz HTTP/1.1\r\nHost: x\r\n\r\n', [400]],
      ['control characters in a header', 'GET /healthz HTTP/1.1\r\nHost: x\x01\x7f\r\n\r\n', [400]],
      ['bare LF line ends', 'GET /nothing HTTP/1.1\nHost: x\n\n', [400, 404]],
      ['binary garbage', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 131 + 7) % 256)), [400]],
      ['a TLS hello', Buffer.from('160301020001000200030300', 'hex'), [400]],
      [
        'invalid chunked body',
        'GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
        [200, 400],
      ],
      [
        'smuggling headers',
        'GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
        [400],
      ],
    ];
    const problems: string[] = [];
    for (const [label, bytes, allowed] of cases) {
      const { text, closed } = await raw(port, bytes, 5_000);
      const status = statusOf(text);
      // 0: the server closed the connection without an answer (allowed only where listed).
      if (!allowed.includes(status)) problems.push(`${label}: status ${status} (${text.slice(0, 80)})`);
      if (status === 0 && !closed) problems.push(`${label}: no answer and still open`);
      if (status >= 500) problems.push(`${label}: server error ${status}`);
    }
    assert.deepEqual(problems, []);
    assert.deepEqual(await healthz(), { status: 200, body: '{"status":"alive"}\n' });
  });

  test('a request that never finishes is closed by the headers timeout', async () => {
    const started = Date.now();
    const { text, closed } = await raw(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n', 60_000);
    assert.ok(closed, 'the server closed the connection');
    assert.ok(
      Date.now() - started >= HTTP_LIMITS.headersTimeoutMs - 1000,
      'closed by the timeout, not at once',
    );
    assert.ok([0, 408].includes(statusOf(text)), text.slice(0, 80));
    assert.equal((await healthz()).status, 200);
  });

  test('connections past the cap are closed, and the port answers again once they go', async () => {
    const extra = 8;
    const sockets: Socket[] = [];
    const closedEarly: Promise<boolean>[] = [];
    for (let i = 0; i < HTTP_LIMITS.maxConnections + extra; i++) {
      const s = connect(port, '127.0.0.1');
      s.on('error', () => {});
      sockets.push(s);
      closedEarly.push(
        new Promise((resolve) => {
          s.once('close', () => resolve(true));
          setTimeout(() => resolve(false), 3_000).unref();
        }),
      );
      await new Promise((resolve) => s.once('connect', resolve));
    }
    const closed = (await Promise.all(closedEarly)).filter(Boolean).length;
    assert.ok(closed >= extra, `only ${closed} of the ${extra} connections over the cap were closed`);
    for (const s of sockets) s.destroy();
    // The server notices the closed sockets asynchronously.
    const deadline = Date.now() + 10_000;
    let status = 0;
    while (Date.now() < deadline) {
      status = await healthz().then(
        (r) => r.status,
        () => 0,
      );
      if (status === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(status, 200);
  });
});
