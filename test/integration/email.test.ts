import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createMailer, isValidSmtpUrl } from '../../src/notify/email.ts';
import { type SmtpDouble, startSmtpDouble } from '../doubles/smtp.ts';

const USER = 'streamwarden';
const PASS = 'Sm7p-p@ss/word';
const FROM = 'Streamwarden <bot@example.org>';
const FAST_TIMEOUT_MS = 500;

describe('email mailer against the SMTP double', () => {
  let smtp: SmtpDouble;

  before(async () => {
    smtp = await startSmtpDouble({ user: USER, pass: PASS, rejectRecipients: ['gone@example.org'] });
  });
  after(async () => {
    await smtp.stop();
  });

  test('sends a plain text message with non-ASCII subject and body, read back decoded', async () => {
    const mailer = createMailer(smtp.url, FROM);
    const longLine = `Vous avez dépassé votre quota de téléchargements mobiles cette semaine — ${'é'.repeat(40)}`;
    try {
      await mailer.verify();
      await mailer.send({
        to: 'alice@example.org',
        subject: 'Quota dépassé — 3/2',
        text: `Bonjour Alice,\n\n${longLine}\nÀ lundi !`,
      });
    } finally {
      mailer.close();
    }
    const [message] = await smtp.waitForMessages(1);
    assert.ok(message);
    assert.equal(message.from, 'bot@example.org');
    assert.deepEqual(message.to, ['alice@example.org']);
    assert.equal(message.subject, 'Quota dépassé — 3/2');
    assert.equal(message.text, `Bonjour Alice,\n\n${longLine}\nÀ lundi !`);
    assert.match(message.raw, /^Content-Type: text\/plain/im);
    assert.doesNotMatch(message.raw, /text\/html/i);
    assert.match(message.raw, /^From: Streamwarden <bot@example\.org>/m);
  });

  test('a mostly non-ASCII message (base64 subject and body) is read back decoded', async () => {
    const before = smtp.messages.length;
    const mailer = createMailer(smtp.url, FROM);
    try {
      await mailer.send({
        to: 'kenji@example.org',
        subject: 'ダウンロード上限を超えました',
        text: 'ダウンロード上限を超えました。\n来週の月曜日にリセットされます。',
      });
    } finally {
      mailer.close();
    }
    const message = (await smtp.waitForMessages(before + 1))[before];
    assert.ok(message);
    assert.match(message.raw, /^Content-Transfer-Encoding: base64/im);
    assert.equal(message.subject, 'ダウンロード上限を超えました');
    assert.equal(message.text, 'ダウンロード上限を超えました。\n来週の月曜日にリセットされます。');
  });

  test('strips CR/LF from the subject so no header can be injected', async () => {
    const before = smtp.messages.length;
    const mailer = createMailer(smtp.url, FROM);
    try {
      await mailer.send({
        to: 'bob@example.org',
        subject: 'Over cap\r\nBcc: victim@example.org\nX-Evil: 1',
        text: 'Body',
      });
    } finally {
      mailer.close();
    }
    const message = (await smtp.waitForMessages(before + 1))[before];
    assert.ok(message);
    assert.doesNotMatch(message.subject, /[\r\n]/);
    assert.equal(message.subject, 'Over cap Bcc: victim@example.org X-Evil: 1');
    assert.deepEqual(message.to, ['bob@example.org']);
    assert.doesNotMatch(message.raw, /^(Bcc|X-Evil):/im);
  });

  test('wrong password rejects with an error that carries neither the password nor the URL credentials', async () => {
    const wrongPassword = 'Wr0ng-Secret-Value';
    const url = `smtp://${USER}:${wrongPassword}@127.0.0.1:${smtp.port}`;
    const mailer = createMailer(url, FROM, { timeoutMs: 2_000 });
    const check = (err: unknown): boolean => {
      assert.ok(err instanceof Error);
      assert.match(err.message, /^Email (could not be sent|server check failed): /);
      assert.match(err.message, /EAUTH/);
      assert.match(err.message, /535/);
      for (const text of [err.message, String(err.stack)]) {
        assert.ok(!text.includes(wrongPassword), `leaked password: ${text}`);
        assert.ok(!text.includes(`${USER}:`), `leaked user:pass: ${text}`);
      }
      return true;
    };
    try {
      await assert.rejects(mailer.send({ to: 'alice@example.org', subject: 'x', text: 'y' }), check);
      await assert.rejects(mailer.verify(), check);
    } finally {
      mailer.close();
    }
  });

  test('a short wrong password is masked too', async () => {
    const mailer = createMailer(`smtp://${USER}:zq9@127.0.0.1:${smtp.port}`, FROM, { timeoutMs: 2_000 });
    try {
      await assert.rejects(
        mailer.send({ to: 'alice@example.org', subject: 'x', text: 'y' }),
        (err: unknown) => {
          assert.ok(err instanceof Error);
          assert.ok(!err.message.includes('zq9'), err.message);
          return true;
        },
      );
    } finally {
      mailer.close();
    }
  });

  test('a recipient rejected by the server rejects with the SMTP code', async () => {
    const count = smtp.messages.length;
    const mailer = createMailer(smtp.url, FROM);
    try {
      await assert.rejects(
        mailer.send({ to: 'gone@example.org', subject: 'Notice', text: 'Hello' }),
        (err: unknown) => {
          assert.ok(err instanceof Error);
          assert.match(err.message, /^Email could not be sent: /);
          assert.match(err.message, /550/);
          assert.ok(!err.message.includes(PASS));
          return true;
        },
      );
    } finally {
      mailer.close();
    }
    assert.equal(smtp.messages.length, count);
  });
});

describe('email mailer against unreachable servers', () => {
  test('a closed port rejects within the timeout', async () => {
    const port = await closedPort();
    const mailer = createMailer(`smtp://${USER}:${encodeURIComponent(PASS)}@127.0.0.1:${port}`, FROM, {
      timeoutMs: FAST_TIMEOUT_MS,
    });
    const started = Date.now();
    try {
      await assert.rejects(mailer.send({ to: 'a@example.org', subject: 's', text: 't' }), (err: unknown) => {
        assert.ok(err instanceof Error);
        assert.match(err.message, /^Email could not be sent: /);
        assert.ok(!err.message.includes(PASS));
        return true;
      });
    } finally {
      mailer.close();
    }
    assert.ok(Date.now() - started < FAST_TIMEOUT_MS + 1_000);
  });

  test('a server that accepts the connection but never greets rejects within the timeout', async () => {
    const sockets = new Set<Socket>();
    const silent: Server = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const mailer = createMailer(`smtp://${USER}:${encodeURIComponent(PASS)}@127.0.0.1:${port}`, FROM, {
      timeoutMs: FAST_TIMEOUT_MS,
    });
    const started = Date.now();
    try {
      await assert.rejects(mailer.send({ to: 'a@example.org', subject: 's', text: 't' }), (err: unknown) => {
        assert.ok(err instanceof Error);
        assert.match(err.message, /^Email could not be sent: ETIMEDOUT/);
        assert.ok(!err.message.includes(PASS));
        return true;
      });
    } finally {
      mailer.close();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= FAST_TIMEOUT_MS - 50 && elapsed < FAST_TIMEOUT_MS + 1_500, `took ${elapsed} ms`);
  });
});

describe('SMTP URL validation', () => {
  const cases: Array<[string, boolean]> = [
    ['smtp://user:pass@mail.example.org:587', true],
    ['smtps://user:pass@mail.example.org:465', true],
    ['smtp://mail.example.org', true],
    ['http://mail.example.org', false],
    ['smtp://', false],
    ['smtp:mail.example.org', false],
    ['mail.example.org:587', false],
    ['', false],
  ];
  for (const [url, expected] of cases) {
    test(`${JSON.stringify(url)} → ${expected}`, () => {
      assert.equal(isValidSmtpUrl(url), expected);
    });
  }

  test('createMailer refuses an invalid URL without echoing it', () => {
    assert.throws(
      () => createMailer('http://user:Sup3r-Secret@mail.example.org', FROM),
      (err: unknown) => err instanceof Error && !err.message.includes('Sup3r-Secret'),
    );
  });
});

async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
