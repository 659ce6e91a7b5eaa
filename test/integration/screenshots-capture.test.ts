// The input side of `npm run screenshots` (scripts/screenshots/): the real bot against the doubles sends the
// messages the documentation shows, and each becomes a page of discord-components with nothing left unrendered.
// Chromium itself is not needed here (CI has none); the pictures are made by hand with `npm run screenshots`.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { type Capture, capture } from '../../scripts/screenshots/capture.ts';
import { buttonsOf, messageHtml, type PageAssets } from '../../scripts/screenshots/page.ts';
import { text } from '../helpers/discord.ts';

const assets: PageAssets = {
  script: '/components.js',
  fonts: { 400: '/f400.woff2', 500: '/f500.woff2', 600: '/f600.woff2', 700: '/f700.woff2' },
  emoji: (sequence) => `/emoji/${sequence.codePointAt(0)!.toString(16)}.svg`,
};

describe('screenshots: the captured messages', () => {
  let captured: Capture;
  before(async () => {
    captured = await capture();
  });

  test('every picture has a message with an embed that says something', () => {
    for (const [name, shot] of Object.entries(captured.shots)) {
      assert.ok(shot.payload.embeds.length > 0, `${name}: an embed`);
      assert.ok(text(shot.payload).trim().length > 40, `${name}: text in it`);
      assert.ok(shot.at instanceof Date && !Number.isNaN(shot.at.getTime()), `${name}: when it was sent`);
    }
  });

  test('the grace warning DM has one live "Stop this one" button per stream, and names the member', () => {
    const { payload } = captured.shots.warning;
    assert.match(text(payload), /Too many streams: please stop one/);
    assert.match(text(payload), /Hi Sam,/);
    const buttons = buttonsOf(payload.components);
    assert.deepEqual(
      buttons.map((b) => b.label),
      ['Stop this one: 1. Living room TV', 'Stop this one: 2. Phone'],
    );
    assert.ok(buttons.every((b) => !b.disabled && b.style === 4));
  });

  test('the alert is a stream-cap breach after the grace: the newest stream stopped, the other kept', () => {
    const alert = text(captured.shots.alert.payload);
    assert.match(alert, /Over the stream cap/);
    assert.match(alert, /Phone[^\n]*\n\s*→ stopped/);
    assert.match(alert, /Living room TV[^\n]*\n\s*→ kept/);
  });

  test('/quota and /status are private replies to the member and the admin who ran them', () => {
    const { quota, status } = captured.shots;
    assert.equal(quota.payload.ephemeral, true);
    assert.deepEqual(quota.command, { name: 'quota', user: 'Sam' });
    assert.match(text(quota.payload), /\*\*3 of 10\*\* used/);
    assert.equal(status.payload.ephemeral, true);
    assert.equal(status.command?.name, 'status');
    assert.match(text(status.payload), /Home Plex\*\* \(plex\)\npush connected/);
    assert.doesNotMatch(text(status.payload), /Everyone in the server can read/, '#alerts is restricted');
  });

  test('each page has the message, its buttons, and no markdown left raw', () => {
    for (const [name, shot] of Object.entries(captured.shots)) {
      const html = messageHtml(shot, captured, assets);
      assert.match(html, /<discord-message author="Streamwarden"/, name);
      assert.doesNotMatch(
        html,
        /<t:\d|<@!?\d|<#\d|\*\*/,
        `${name}: timestamps, mentions and bold are rendered`,
      );
      assert.doesNotMatch(html, /cdn\.discordapp\.com|https?:\/\//, `${name}: nothing to fetch from outside`);
    }
    const warning = messageHtml(captured.shots.warning, captured, assets);
    assert.match(
      warning,
      /<discord-button type="destructive">Stop this one: 1\. Living room TV<\/discord-button>/,
    );
    assert.match(warning, /<discord-button type="destructive">Stop this one: 2\. Phone<\/discord-button>/);
    assert.match(warning, /<discord-ordered-list start="1">/);
    const alert = messageHtml(captured.shots.alert, captured, assets);
    assert.match(alert, /<discord-mention type="user">Sam<\/discord-mention>/);
    assert.match(messageHtml(captured.shots.quota, captured, assets), /command="\/quota"[^>]*>/);
  });
});
