import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { quotaAlert, quotaDm, quotaEmail } from '../../src/notify/downloads.ts';
import {
  type StreamBreachNotice,
  streamBreachAlert,
  streamBreachDm,
  streamWarning,
} from '../../src/notify/notices.ts';
import type { NoticeMessage } from '../../src/notify/notifier.ts';
import { DEFAULT_TEMPLATES } from '../../src/policy/templates.ts';

const notice: StreamBreachNotice = {
  memberName: 'Alice',
  planName: 'Family',
  limit: 1,
  count: 2,
  dryRun: false,
  streams: [
    {
      server: 'Basement',
      device: 'Living Room TV',
      ipAddress: '10.0.0.2',
      title: 'Arrival',
      state: 'playing',
      startedAt: null,
      action: { code: 'stopped' },
    },
    {
      server: 'Basement',
      device: 'Kitchen iPad',
      ipAddress: '10.0.0.3',
      title: 'Dune',
      state: 'playing',
      startedAt: null,
    },
  ],
};

/** Every text of the message: titles, descriptions, field names and values. */
function allText(m: NoticeMessage): string {
  return m.embeds
    .flatMap((e) => [e.title, e.description, ...(e.fields ?? []).flatMap((f) => [f.name, f.value])])
    .join('\n');
}

const times = (haystack: string, needle: string) => haystack.split(needle).length - 1;

describe('stream-cap notices', () => {
  const alert = (template: string) =>
    streamBreachAlert(template, { ...notice, discordUserId: '42', dmDelivery: 'sent', stopNote: null });

  it('the alert lists each stream once, in its Streams field', () => {
    const m = alert(DEFAULT_TEMPLATES['stream-alert']);
    const shown = allText(m);
    for (const device of ['Living Room TV', 'Kitchen iPad']) assert.equal(times(shown, device), 1, device);
    const field = m.embeds?.[0]?.fields?.find((f) => f.name === 'Streams');
    assert.match(field?.value ?? '', /Living Room TV[\s\S]*Kitchen iPad/);
    assert.equal(m.embeds?.[0]?.title, 'Over the stream cap');
    assert.equal(
      m.embeds?.[0]?.description,
      'Alice is over their stream cap: 2 playing, plan Family allows 1.',
    );
  });

  it('a stream-alert saved when it still offered {streams} and {limit} does not list the streams twice', () => {
    const m = alert(
      '{member} is over their stream limit: {count} playing, plan {plan} allows {limit}.\n{streams}',
    );
    const shown = allText(m);
    assert.equal(times(shown, 'Kitchen iPad'), 1);
    assert.equal(
      m.embeds?.[0]?.description,
      'Alice is over their stream limit: 2 playing, plan Family allows 1.',
    );
  });

  it('the DM and the warning list each stream once, in their text', () => {
    const dm = allText(streamBreachDm(DEFAULT_TEMPLATES['stream-dm'], notice));
    assert.equal(times(dm, 'Kitchen iPad'), 1);
    assert.match(dm, /allows 1 stream\(s\) at the same time[\s\S]*over your stream cap/);
    const warning = allText(
      streamWarning(DEFAULT_TEMPLATES.warning, {
        ...notice,
        episodeId: 7,
        deadline: new Date('2026-12-06T12:00:00Z'),
        done: [null, null],
        phase: 'grace',
      }),
    );
    assert.equal(times(warning, 'Kitchen iPad'), 1);
  });
});

describe('download-allotment notices', () => {
  const n = {
    memberName: 'Alice',
    planName: 'Family',
    used: 4,
    allotment: 3,
    resetsAt: new Date('2026-12-13T00:00:00Z'),
    switchedOff: false,
  };

  it('speak of the download allotment, with the allotment filled in, also for a saved {limit}', () => {
    const dm = quotaDm(DEFAULT_TEMPLATES['download-dm'], n);
    assert.equal(dm.embeds?.[0]?.title, 'Download allotment used up');
    assert.match(dm.embeds?.[0]?.description ?? '', /used 4 of your 3 downloads/);
    const alert = quotaAlert('{member}: {count} of {limit}', {
      ...n,
      discordUserId: '42',
      dmDelivery: 'sent',
      switchNote: null,
      downloads: [],
    });
    assert.equal(alert.embeds?.[0]?.title, 'Over the download allotment');
    assert.equal(alert.embeds?.[0]?.description, 'Alice: 4 of 3');
  });

  it('the DM and the email in German and French, with the switch-off sentence and no English left', async () => {
    const { shippedTemplate } = await import('../../src/services/templates.ts');
    const off = { ...n, used: 1234, allotment: 1000, switchedOff: true };
    const de = quotaDm(shippedTemplate('download-dm', 'de'), off, 'de');
    const embed = de.embeds?.[0];
    assert.equal(embed?.title, 'Download-Kontingent aufgebraucht');
    assert.match(
      embed?.description ?? '',
      /du hast diese Woche 1\.234 von 1\.000 Downloads genutzt \(Tarif Family\)/,
    );
    assert.match(
      embed?.description ?? '',
      /Deine Downloads sind bis zum Zurücksetzen abgeschaltet \(<t:\d+:R>\)\./,
    );
    assert.deepEqual(
      embed?.fields?.map((f) => f.name),
      ['Diese Woche genutzt', 'Wird zurückgesetzt', 'Was du tun kannst'],
    );
    assert.equal(embed?.fields?.[0]?.value, '1.234 von 1.000');
    const fr = quotaEmail(shippedTemplate('download-email', 'fr'), off, 'fr', 'Europe/Paris');
    assert.equal(fr.subject, 'Quota de téléchargements épuisé');
    assert.match(fr.text, /Vous avez utilisé 1\u202f234 de vos 1\u202f000 téléchargements/);
    assert.match(fr.text, /dimanche 13 décembre 2026 à 01:00/);
    assert.match(fr.text, /Vos téléchargements sont désactivés jusque-là\./);
    assert.doesNotMatch(JSON.stringify(de) + fr.text, /Download allotment|switched off|Resets/);
  });
});
