// The plan DMs (a plan that ends, a plan set by roles) in German and French, and unchanged in English.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Plan } from '../../src/db/schema.ts';
import { planEndedDm, planEndingDm } from '../../src/notify/plan-end-notice.ts';
import { rolePlanDm } from '../../src/notify/role-plan-notice.ts';

const plan = (name: string, over: Partial<Plan> = {}) =>
  ({ name, streamCap: 2, downloadsAllowed: true, weeklyDownloads: 1500, ...over }) as Plan;
const description = (m: { embeds?: Array<{ description?: string; title?: string }> }) =>
  `${m.embeds?.[0]?.title}\n${m.embeds?.[0]?.description}`;
const endsAt = new Date('2026-12-10T00:00:00Z');

describe('plan DMs in the member’s language', () => {
  test('English as before', () => {
    assert.equal(
      description(rolePlanDm({ guildName: 'Home', plan: plan('Family'), previous: plan('Solo') })),
      'Your plan changed\nYour roles on “Home” now put you on “Family”: stream cap 2 (streams at once), ' +
        'download allotment 1,500 a week.\nBefore: “Solo”.',
    );
    assert.match(
      description(planEndingDm({ guildName: null, plan: plan('Family'), endsAt })),
      /^Your plan ends soon\nYour plan “Family” ends <t:\d+:R>/,
    );
  });

  test('German (du) with German numbers', () => {
    assert.equal(
      description(rolePlanDm({ guildName: 'Home', plan: plan('Family'), previous: null }, 'de')),
      'Dein Tarif hat sich geändert\nDeine Rollen auf “Home” geben dir jetzt den Tarif “Family”: ' +
        'Stream-Grenze 2 (Streams gleichzeitig), Download-Kontingent 1.500 pro Woche.',
    );
    const ended = description(planEndedDm({ guildName: null, previous: plan('Family'), plan: null }, 'de'));
    assert.match(ended, /Dein Tarif “Family” ist abgelaufen\.\nKeine deiner Rollen gibt dir einen Tarif/);
    assert.match(ended, /Frag einen Admin/);
  });

  test('French (vous)', () => {
    const ending = description(planEndingDm({ guildName: 'Maison', plan: plan('Famille'), endsAt }, 'fr'));
    assert.match(
      ending,
      /^Votre offre se termine bientôt\nVotre offre “Famille” sur “Maison” se termine <t:\d+:R>/,
    );
    const none = description(
      rolePlanDm(
        { guildName: null, plan: null, previous: plan('Famille', { downloadsAllowed: false }) },
        'fr',
      ),
    );
    assert.match(none, /vous n’êtes donc plus sur l’offre “Famille”\.\nContactez un admin/);
  });
});
