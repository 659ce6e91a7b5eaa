// Regenerates the pictures in docs/images/ from the bot's real messages: the bot runs against the loopback doubles
// (scripts/screenshots/capture.ts), each message becomes a page of Skyra's discord-components
// (scripts/screenshots/page.ts), and headless Chromium photographs it. Nothing is fetched from the internet: the
// components, the Inter font and Discord's Twemoji come from node_modules over a loopback server, and the browser
// refuses every other address.
// Run: npm run screenshots (needs Debian's chromium: apt-get install -y chromium).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { type Capture, capture } from './screenshots/capture.ts';
import { messageHtml, type PageAssets, pageHtml } from './screenshots/page.ts';

const ROOT = resolve(import.meta.dirname, '..');
const OUT = join(ROOT, 'docs/images');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const WIDTH = 700;
const MAX_BYTES = 150_000;
const FONTS = join(ROOT, 'node_modules/@fontsource/inter/files');
const TWEMOJI = join(ROOT, 'node_modules/@discordapp/twemoji/dist/svg');
const FILES: Record<keyof Capture['shots'], string> = {
  warning: 'warning-dm.png',
  alert: 'alert.png',
  quota: 'quota.png',
  status: 'status.png',
};

if (!existsSync(CHROMIUM)) {
  console.error(
    `No Chromium at ${CHROMIUM}: install Debian's package (apt-get install -y chromium) or set CHROMIUM_PATH.`,
  );
  process.exit(1);
}

/** Twemoji's file for an emoji: code points in hex joined by "-", U+FE0F dropped unless the sequence has a ZWJ. */
function emojiFile(sequence: string): string | null {
  const points = [...sequence].map((c) => c.codePointAt(0)!.toString(16));
  const names = [
    points.filter((p) => sequence.includes('\u200d') || p !== 'fe0f').join('-'),
    points.join('-'),
  ];
  return names.find((n) => existsSync(join(TWEMOJI, `${n}.svg`))) ?? null;
}

const bundle = await build({
  entryPoints: ['@skyra/discord-components-core'],
  bundle: true,
  format: 'esm',
  write: false,
  minify: true,
  logLevel: 'warning',
  absWorkingDir: ROOT,
});
const script = bundle.outputFiles[0]!.contents;
const pages = new Map<string, string>();
const server = createServer((req, res) => {
  const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
  const send = (type: string, body: string | Uint8Array) => {
    res.writeHead(200, { 'content-type': type });
    res.end(body);
  };
  const asset = /^\/(fonts|emoji)\/([\w.-]+)$/.exec(path);
  if (path === '/components.js') send('text/javascript', script);
  else if (pages.has(path)) send('text/html; charset=utf-8', pages.get(path)!);
  else if (asset?.[1] === 'fonts' && existsSync(join(FONTS, asset[2]!)))
    send('font/woff2', readFileSync(join(FONTS, asset[2]!)));
  else if (asset?.[1] === 'emoji' && existsSync(join(TWEMOJI, asset[2]!)))
    send('image/svg+xml', readFileSync(join(TWEMOJI, asset[2]!)));
  else {
    res.writeHead(404);
    res.end();
  }
});
await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const assets: PageAssets = {
  script: '/components.js',
  fonts: {
    400: '/fonts/inter-latin-400-normal.woff2',
    500: '/fonts/inter-latin-500-normal.woff2',
    600: '/fonts/inter-latin-600-normal.woff2',
    700: '/fonts/inter-latin-700-normal.woff2',
  },
  emoji: (sequence) => {
    const file = emojiFile(sequence);
    return file ? `/emoji/${file}.svg` : null;
  },
};

console.log('Running the bot against the doubles…');
const captured = await capture();
const profile = mkdtempSync(join(tmpdir(), 'streamwarden-chromium-'));
// A fresh profile each run (launchPersistentContext passes it as --user-data-dir).
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: CHROMIUM,
  viewport: { width: WIDTH, height: 600 },
  deviceScaleFactor: 1,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
const refused: string[] = [];
try {
  const page = browser.pages()[0] ?? (await browser.newPage());
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(`${origin}/`) || url.startsWith('data:')) return route.continue();
    refused.push(url);
    return route.abort();
  });
  const failures: string[] = [];
  page.on('pageerror', (error) => failures.push(error.message));
  mkdirSync(OUT, { recursive: true });
  for (const [name, shot] of Object.entries(captured.shots) as Array<
    [keyof Capture['shots'], Capture['shots'][keyof Capture['shots']]]
  >) {
    pages.set(`/${name}.html`, pageHtml(messageHtml(shot, captured, assets), assets, WIDTH));
    await page.goto(`${origin}/${name}.html`, { waitUntil: 'networkidle' });
    await page.evaluate(() => document.fonts.ready);
    if (failures.length > 0) throw new Error(`the page failed: ${failures.join('; ')}`);
    const file = join(OUT, FILES[name]);
    await page.locator('#shot').screenshot({ path: file });
    const bytes = statSync(file).size;
    console.log(`${file}: ${(bytes / 1000).toFixed(0)} kB`);
    if (bytes > MAX_BYTES) throw new Error(`${FILES[name]} is over ${MAX_BYTES / 1000} kB`);
  }
  if (refused.length > 0) throw new Error(`the pages asked for outside addresses: ${refused.join(', ')}`);
} finally {
  await browser.close();
  server.close();
  rmSync(profile, { recursive: true, force: true });
}
