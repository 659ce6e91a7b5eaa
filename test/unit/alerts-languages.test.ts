// The fixed words of the admins' alerts (titles, field names) follow the community's language; English stays
// exactly as it was. The Quick Connect "sign-in still open" DM and the /template preview samples follow the reader's.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { unlinkedAlert } from '../../src/act/unlinked-alerts.ts';
import type { OutboxRow } from '../../src/db/schema.ts';
import type { Language } from '../../src/i18n/index.ts';
import { cancelAlert } from '../../src/notify/download-cancels.ts';
import { quotaAlert } from '../../src/notify/downloads.ts';
import { capabilityAlert, serverStatusAlert, streamBreachAlert } from '../../src/notify/notices.ts';
import type { NoticeMessage } from '../../src/notify/notifier.ts';
import { givenUpAlert } from '../../src/notify/outcomes.ts';
import { pausedStopAlert } from '../../src/notify/paused.ts';
import { limitStopAlert } from '../../src/notify/server-limits.ts';
import { sharingAlert } from '../../src/notify/sharing.ts';
import { transcodeAlert } from '../../src/notify/transcodes.ts';
import { deviceNotice } from '../../src/services/pending-sign-ins.ts';
import { sampleValues } from '../../src/services/templates.ts';

const since = new Date('2026-12-06T18:00:00Z');

const breach = (lang: Language, extra: { dryRun?: boolean; unlinked?: boolean } = {}) =>
  streamBreachAlert(
    '{member}',
    {
      memberName: 'Alice',
      planName: 'Family',
      limit: 1,
      count: 2,
      dryRun: extra.dryRun ?? false,
      streams: [],
      discordUserId: extra.unlinked ? null : '42',
      dmDelivery: 'Delivered.',
      stopNote: 'Dry run is on.',
      now: 'Still over the plan.',
    },
    lang,
  );

const quota = (lang: Language) =>
  quotaAlert(
    '{member}',
    {
      memberName: 'Alice',
      planName: 'Family',
      used: 3,
      allotment: 2,
      resetsAt: since,
      switchedOff: true,
      discordUserId: '42',
      dmDelivery: 'Delivered.',
      switchNote: 'Switched off on Basement.',
      downloads: [],
    },
    lang,
  );

const stream = { memberName: 'Alice', discordUserId: '42', server: 'Basement', device: 'TV', title: 'Dune' };
const place = {
  network: '10.0.0.0/24',
  city: null,
  device: 'TV',
  firstSeenAt: since.toISOString(),
  lastSeenAt: since.toISOString(),
};
const cancel = { ...stream, planName: 'Family', used: 3, allotment: 2, resetsAt: since };

/** Every alert builder once, with its title and field names only (the fixed words). */
function fixedWords(lang: Language): string[] {
  const messages: NoticeMessage[] = [
    breach(lang),
    breach(lang, { dryRun: true, unlinked: true }),
    quota(lang),
    serverStatusAlert('{server}', false, 'Basement', 'timeout', lang),
    serverStatusAlert('{server}', true, 'Basement', null, lang),
    capabilityAlert('lost', 'Basement', 'Stopping streams', since, 'HTTP 401', null, lang),
    capabilityAlert('back', 'Basement', 'Stopping streams', since, null, null, lang),
    pausedStopAlert(
      { ...stream, planName: 'Family', pausedSince: since, limitMinutes: 30, outcome: 'stopped' },
      lang,
    ),
    transcodeAlert(
      { ...stream, planName: 'Family', reason: 'none', cap: null, sourceHeight: null, outcome: 'stopped' },
      lang,
    ),
    limitStopAlert({ ...stream, kind: 'streams', max: 2, count: 3, outcome: 'stopped' }, lang),
    cancelAlert(cancel, { kind: 'cancelled' }, lang),
    cancelAlert(cancel, { kind: 'fallback', why: 'HTTP 500', switchNote: 'switched off' }, lang),
    sharingAlert(
      {
        ...stream,
        planName: 'Family',
        hideAddresses: false,
        evidence: { kind: 'households', allowed: 1, places: [place] },
      },
      lang,
    ),
    sharingAlert(
      {
        ...stream,
        planName: 'Family',
        hideAddresses: false,
        evidence: { kind: 'travel', distanceKm: 500, hours: 0.5, speedKmh: 1000, places: [place] },
      },
      lang,
    ),
    givenUpAlert({ kind: 'stop', attempts: 5 } as OutboxRow, 'HTTP 500', lang),
    unlinkedAlert(
      { serverId: 1, serverName: 'Basement', accountKey: 'x', accountName: 'x', streams: [] },
      lang,
    ),
  ];
  return messages.flatMap((m) =>
    (m.embeds ?? []).flatMap((e) => [e.title ?? '', ...(e.fields ?? []).map((f) => f.name)]),
  );
}

describe('admin alerts in the community language', () => {
  it('keeps every English title and field name exactly as before (and English is the default)', () => {
    const english = [
      'Over the stream cap',
      'Member',
      'Plan',
      'Streams now',
      'Streams',
      'Direct message',
      'Stopping',
      'Now',
      'Over the stream cap (dry run: nothing stopped)',
      'Account linked to nobody',
      'Plan',
      'Streams now',
      'Streams',
      'Direct message',
      'Stopping',
      'Now',
      'Over the download allotment',
      'Member',
      'Used',
      'Resets',
      'Downloads this week',
      'Direct message',
      'Downloads switch',
      'Server unreachable: Basement',
      'Server back: Basement',
      'Stopping streams stopped working on Basement',
      'Stopping streams works again on Basement',
      'Paused stream over the limit',
      'Converted stream against the plan',
      'Server over its limit',
      'Download cancelled',
      'Download over the allotment not cancelled',
      'Account used from more households than the plan allows',
      'Impossible travel',
      'An action was given up',
      'Streaming account linked to nobody',
    ];
    assert.deepEqual(fixedWords('en'), english);
    // The values written with fixed words keep their English form too.
    const fields = (m: NoticeMessage) => m.embeds?.[0]?.fields ?? [];
    assert.equal(fields(breach('en'))[1]?.value, 'Family: 1 at once');
    assert.equal(fields(quota('en'))[1]?.value, '3 of 2');
    assert.deepEqual(streamBreachAlert('{member}', { ...breachInput(), streams: [] }), breach('en'));
  });

  it('writes a German community its titles and field names in German', () => {
    const german = fixedWords('de');
    for (const words of [
      'Stream-Grenze überschritten',
      'Mitglied',
      'Tarif',
      'Direktnachricht',
      'Download-Kontingent überschritten',
      'Server nicht erreichbar: Basement',
      'Stopping streams funktioniert auf Basement nicht mehr',
      'Pausierter Stream über dem Limit',
      'Umgewandelter Stream entgegen dem Tarif',
      'Server über seinem Limit',
      'Download abgebrochen',
      'Unmögliche Reise',
      'Eine Aktion wurde aufgegeben',
      'Streamendes Konto, das mit niemandem verknüpft ist',
    ])
      assert.ok(german.includes(words), `missing: ${words}`);
    // Nothing but the words shared by both languages ("Streams") is left in English.
    const english = new Set(fixedWords('en'));
    assert.deepEqual(
      german.filter((w) => english.has(w)),
      ['Streams', 'Streams'],
    );
    assert.equal(breach('de').embeds?.[0]?.fields?.[1]?.value, 'Family: 1 gleichzeitig');
    assert.equal(quota('de').embeds?.[0]?.fields?.[1]?.value, '3 von 2');
  });

  it('writes a French community in French', () => {
    const french = fixedWords('fr');
    assert.equal(french[0], 'Limite de streams dépassée');
    assert.ok(french.includes('Membre'));
    assert.ok(french.includes('Message privé'));
    assert.ok(french.includes('Téléchargement annulé'));
  });
});

function breachInput() {
  return {
    memberName: 'Alice',
    planName: 'Family',
    limit: 1,
    count: 2,
    dryRun: false,
    discordUserId: '42',
    dmDelivery: 'Delivered.',
    stopNote: 'Dry run is on.',
    now: 'Still over the plan.',
  };
}

describe('the Quick Connect "sign-in still open" DM', () => {
  it('keeps its English text and writes German and French readers in theirs', () => {
    const en = deviceNotice('Basement', 'Streamwarden *TV*', true);
    assert.equal(en.title, 'A Jellyfin sign-in is still open');
    assert.equal(
      en.description,
      'You approved a Quick Connect code from `/link`, and Streamwarden could not log that sign-in out. To end it, ' +
        "remove the device **Streamwarden \\*TV\\*** from Basement (Jellyfin's Dashboard → Devices; ask a server admin if you can't open it).",
    );
    assert.equal(deviceNotice('Basement', 'TV', false).title, 'A Jellyfin sign-in may still be open');
    const de = deviceNotice('Basement', 'TV', false, 'de');
    assert.equal(de.title, 'Eine Jellyfin-Anmeldung ist vielleicht noch offen');
    assert.match(de.description ?? '', /`\/verknüpfen`.*entferne das Gerät \*\*TV\*\* von Basement/s);
    assert.match(
      deviceNotice('Basement', 'TV', true, 'fr').description ?? '',
      /supprimez l’appareil \*\*TV\*\*/,
    );
  });
});

describe('/template preview samples', () => {
  it('are in the language previewed, English as before', () => {
    assert.deepEqual(sampleValues('download-dm'), {
      member: 'Alex',
      plan: 'Family',
      count: 3,
      allotment: 2,
      resets: 'in 3 days',
      disabled: 'Downloads are switched off until then.',
    });
    const de = sampleValues('download-dm', 'de');
    assert.equal(de.resets, 'in 3 Tagen');
    assert.equal(de.plan, 'Familie');
    assert.equal(de.disabled, 'Downloads sind bis dahin abgeschaltet.');
    assert.equal(sampleValues('download-dm', 'fr').resets, 'dans 3 jours');
    assert.match(String(sampleValues('stream-dm', 'de').streams), /Wohnzimmer/);
  });
});
