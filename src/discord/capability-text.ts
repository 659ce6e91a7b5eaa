// Capabilities in words, for /status and /server test: what works in one line, each failure on its own line with
// since when, why and what to do, and what is not known yet in one line.
import { CAPABILITY_LABEL, type CapabilityName, type CapabilityRecord } from '../types/capabilities.ts';
import { discordTime, plain } from './reply.ts';

export function capabilityLines(
  capabilities: Map<CapabilityName, CapabilityRecord>,
  options: { fixes: boolean },
): string[] {
  const label = (c: CapabilityName) => CAPABILITY_LABEL[c].toLowerCase();
  const by = (state: CapabilityRecord['state']) =>
    [...capabilities].filter(([, r]) => r.state === state).map(([c]) => c);
  const lines: string[] = [];
  const works = by('works');
  if (works.length > 0) lines.push(`✅ ${works.map(label).join(', ')}`);
  for (const [c, r] of capabilities) {
    if (r.state !== 'failed') continue;
    const since = r.since ? ` since ${discordTime(r.since, 'R')}` : '';
    const why = r.reason ? `: ${plain(r.reason).slice(0, 200)}` : '';
    lines.push(`❌ ${label(c)}${since}${why}`);
    if (options.fixes && r.fix) lines.push(`↳ ${plain(r.fix).slice(0, 300)}`);
  }
  const unknown = by('unknown');
  if (unknown.length > 0) lines.push(`❔ not known yet: ${unknown.map(label).join(', ')}`);
  return lines;
}
