// The XML reader keeps its entity limits: a DOCTYPE whose entities expand to gigabytes ("billion laughs") is
// either refused as a bad-response or read without expanding, never built in memory.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseContainer } from '../../src/media/plex/payload.ts';
import { MediaServerError } from '../../src/media/types.ts';

const tenOf = (name: string) => `&${name};`.repeat(10);

test('entities declared in a DOCTYPE do not expand without limit', () => {
  let entities = '<!ENTITY lol0 "lollollollollollollollollollol">';
  for (let i = 1; i <= 9; i++) entities += `<!ENTITY lol${i} "${tenOf(`lol${i - 1}`)}">`;
  // Fully expanded, the title would be 30 × 10^9 characters.
  const xml = `<?xml version="1.0"?><!DOCTYPE lolz [${entities}]><MediaContainer size="1"><Video title="${tenOf('lol9')}"/></MediaContainer>`;
  try {
    const node = parseContainer(xml, 'text/xml');
    assert.ok(JSON.stringify(node).length < 10_000, 'read without expanding');
  } catch (err) {
    assert.ok(err instanceof MediaServerError);
    assert.equal(err.kind, 'bad-response');
  }
});

test('ordinary numeric references in many titles are still read', () => {
  const xml = `<MediaContainer size="50000">${Array.from({ length: 50_000 }, (_, i) => `<Video title="it&#39;s &amp; ${i}"/>`).join('')}</MediaContainer>`;
  const node = parseContainer(xml, 'text/xml');
  const videos = node.Video as Array<{ title: string }>;
  assert.equal(videos.length, 50_000);
  assert.equal(videos[49_999]?.title, "it's & 49999");
});
