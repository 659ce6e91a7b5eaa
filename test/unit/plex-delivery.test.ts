// How a Plex session is delivered, over session items shaped as Tautulli reads them (plexpy/pmsconnect.py
// get_session_each(): the selected Media, Part and Streams with their `decision`; TranscodeSession.videoDecision/
// audioDecision for Live TV) and as the Plexopedia transcoded example shows (reference P2: `<Media …
// videoResolution="720p" width="1720" selected="1">`, `<Part … decision="transcode" selected="1">`). The library item
// (`GET /library/metadata/{ratingKey}`) carries the file's Media, one per version (python-plexapi media.py Media:
// id, height, width, videoResolution).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sourceHeight } from '../../src/media/plex/delivery.ts';
import { parseSessionReads } from '../../src/media/plex/mappers.ts';
import { parseContainer } from '../../src/media/plex/payload.ts';

const XML = 'text/xml;charset=utf-8';
const JSON_TYPE = 'application/json';

const sessions = (items: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<MediaContainer size="1">${items}</MediaContainer>`;

const people = `<User id="24601" title="jvaljean" />
  <Player address="192.168.1.20" machineIdentifier="C8E3F0A2" platform="Android" product="Plex for Android (TV)" state="playing" title="Shield" />
  <Session id="93h7e00ncblxncqw9lkfaoxi" bandwidth="21000" location="wan" />`;

const movie = (media: string, extra = '', attrs = 'ratingKey="286254" key="/library/metadata/286254"') =>
  `<Video ${attrs} sessionKey="2" title="Dune: Part Two" type="movie" librarySectionID="1">${media}${people}${extra}</Video>`;

const media = (attrs: string, streams: string, part = 'decision="transcode"') =>
  `<Media id="350106" ${attrs} selected="1"><Part id="350466" ${part} selected="1">${streams}</Part></Media>`;

const videoStream = (attrs: string) => `<Stream id="1" streamType="1" codec="h264" ${attrs} selected="1" />`;
const audioStream = (attrs: string) =>
  `<Stream id="2" streamType="2" codec="aac" channels="2" ${attrs} selected="1" />`;

const transcodeSession = (video: string, audio: string) =>
  `<TranscodeSession key="/transcode/sessions/vv3i2q2lax92qlzul1hbd4bx" throttled="0" progress="1.8" speed="25.1"
    context="streaming" sourceVideoCodec="hevc" sourceAudioCodec="eac3" videoDecision="${video}" audioDecision="${audio}"
    protocol="hls" container="mpegts" videoCodec="h264" audioCodec="aac" width="1920" height="1080" transcodeHwRequested="1" />`;

describe('Plex session delivery', () => {
  const table: [name: string, body: string, delivery: object, source: object | null][] = [
    [
      '4K converted to 1080p: the session’s Media is the output, so the height waits for the library item',
      movie(
        media(
          'videoResolution="1080" height="1080" width="1920" protocol="hls"',
          videoStream('height="1080" width="1920" decision="transcode" location="segments-video"') +
            audioStream('decision="copy" location="segments-audio"'),
        ),
        transcodeSession('transcode', 'copy'),
      ),
      { method: 'transcode', videoTranscode: true, sourceHeight: null },
      { ratingKey: '286254', mediaId: '350106' },
    ],
    [
      'direct play of a 4K file: the session’s Media is the file',
      movie(
        media(
          'videoResolution="4k" height="2160" width="3840"',
          videoStream('height="2160" width="3840" location="direct"') + audioStream('location="direct"'),
          'decision="directplay"',
        ),
      ),
      { method: 'direct-play', videoTranscode: false, sourceHeight: 2160 },
      null,
    ],
    [
      'a TranscodeSession attached to a direct play is not a transcode (Dashboarr #407)',
      movie(
        media(
          'videoResolution="1080" height="1080"',
          videoStream('height="1080"') + audioStream(''),
          'decision="directplay"',
        ),
        '<TranscodeSession key="/transcode/sessions/abc" throttled="0" context="streaming" />',
      ),
      { method: 'direct-play', videoTranscode: false, sourceHeight: 1080 },
      null,
    ],
    [
      'video and audio copied into another container: a direct stream',
      movie(
        media(
          'videoResolution="1080" height="1080"',
          videoStream('height="1080" decision="copy"') + audioStream('decision="copy"'),
        ),
        transcodeSession('copy', 'copy'),
      ),
      { method: 'direct-stream', videoTranscode: false, sourceHeight: 1080 },
      null,
    ],
    [
      'only the audio converted: a transcode, but not of the video',
      movie(
        media(
          'videoResolution="4k" height="2160"',
          videoStream('height="2160" decision="copy"') + audioStream('decision="transcode"'),
        ),
        transcodeSession('copy', 'transcode'),
      ),
      { method: 'transcode', videoTranscode: false, sourceHeight: 2160 },
      null,
    ],
    [
      'no height attribute: the videoResolution word',
      movie(media('videoResolution="720"', audioStream(''), 'decision="directplay"')),
      { method: 'direct-play', videoTranscode: false, sourceHeight: 720 },
      null,
    ],
    [
      'Live TV: decisions from the TranscodeSession, no library item to ask',
      movie(
        media('videoResolution="1080" height="1080"', videoStream('height="1080"') + audioStream('')),
        transcodeSession('transcode', 'transcode'),
        'ratingKey="c2c5ecd4" key="/livetv/sessions/c2c5ecd4" live="1"',
      ),
      { method: 'transcode', videoTranscode: true, sourceHeight: null },
      null,
    ],
  ];
  for (const [name, body, delivery, source] of table) {
    it(name, () => {
      const [read] = parseSessionReads(sessions(body), XML);
      assert.ok(read);
      assert.deepEqual(read.stream.delivery, delivery);
      assert.deepEqual(read.source, source);
    });
  }

  it('reads the same from PMS JSON (typed values, selected as a boolean)', () => {
    const item = {
      ratingKey: '286254',
      key: '/library/metadata/286254',
      sessionKey: '2',
      title: 'Dune: Part Two',
      type: 'movie',
      Media: [
        {
          id: 350106,
          videoResolution: '1080',
          height: 1080,
          selected: true,
          Part: [
            {
              id: 350466,
              decision: 'transcode',
              selected: true,
              Stream: [
                { id: 1, streamType: 1, codec: 'h264', height: 1080, decision: 'transcode', selected: true },
                { id: 2, streamType: 2, codec: 'eac3', decision: 'copy', selected: true },
              ],
            },
          ],
        },
      ],
      User: { id: '24601', title: 'jvaljean' },
      Player: { machineIdentifier: 'C8E3F0A2', state: 'playing', title: 'Shield' },
      Session: { id: '93h7e00ncblxncqw9lkfaoxi', bandwidth: 21000, location: 'wan' },
      TranscodeSession: { key: '/transcode/sessions/x', videoDecision: 'transcode', audioDecision: 'copy' },
    };
    const [read] = parseSessionReads(
      JSON.stringify({ MediaContainer: { size: 1, Metadata: [item] } }),
      JSON_TYPE,
    );
    assert.deepEqual(read?.stream.delivery, {
      method: 'transcode',
      videoTranscode: true,
      sourceHeight: null,
    });
    assert.deepEqual(read?.source, { ratingKey: '286254', mediaId: '350106' });
  });
});

describe('Plex original height from the library item', () => {
  // Two versions of one movie: the 1080p one first, the 4K one (the one the session plays) second.
  const item = `<?xml version="1.0" encoding="UTF-8"?>
<MediaContainer size="1" librarySectionID="1">
  <Video ratingKey="286254" key="/library/metadata/286254" title="Dune: Part Two" type="movie">
    <Media id="350105" videoResolution="1080" height="1080" width="1920" videoCodec="h264"><Part id="350465" /></Media>
    <Media id="350106" videoResolution="4k" height="2160" width="3840" videoCodec="hevc"><Part id="350466" /></Media>
  </Video>
</MediaContainer>`;
  const container = () => parseContainer(item, XML);

  it('takes the version the session plays', () => assert.equal(sourceHeight(container(), '350106'), 2160));
  it('falls back to the first version for an id it does not list (as Tautulli does)', () =>
    assert.equal(sourceHeight(container(), '999'), 1080));
  it('answers null for a container without an item', () =>
    assert.equal(sourceHeight(parseContainer('<MediaContainer size="0" />', XML), '350106'), null));
});
