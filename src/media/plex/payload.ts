// Reads a Plex Media Server answer into one shape, whatever format the server chose.
//
// PMS answers XML by default and JSON when asked with `Accept: application/json` (reference P1; plex-api-spec
// components.parameters.accepts). The two differ: in XML every attribute is a string and the session items are
// `<Video>`, `<Track>` or `<Photo>` elements; in JSON numbers and booleans keep their type, session items sit in
// `MediaContainer.Metadata[]`, and single children (`User`, `Player`, `Session`) are objects rather than arrays
// (reference P2). This module turns XML into that JSON shape, and the accessors below accept both.

import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { MediaServerError } from '../types.ts';

/** One Plex element in JSON shape: attributes as scalar properties, child elements as objects or arrays. */
export type PlexNode = { readonly [key: string]: unknown };

const ATTR = '@_';

const xmlParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: ATTR,
  parseAttributeValue: false,
  parseTagValue: false,
  // PMS escapes titles with numeric references (&#39;), which are not among the five XML entities.
  htmlEntities: true,
  // Entity limits, written out so that a change of the library's defaults can't drop them: a server's DOCTYPE can
  // declare entities that expand to gigabytes ("billion laughs"). PMS never sends a DOCTYPE; any of these is a
  // bad-response.
  processEntities: {
    enabled: true,
    maxEntityCount: 100,
    maxEntitySize: 10_000,
    maxExpansionDepth: 10,
    maxTotalExpansions: 1_000_000,
    maxExpandedLength: 100_000,
  },
  maxNestedTags: 100,
  isArray: (_name, _path, _leaf, isAttribute) => !isAttribute,
});

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fromXml(element: Record<string, unknown>): PlexNode {
  const node: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(element)) {
    if (key.startsWith(ATTR)) node[key.slice(ATTR.length)] = value;
    else if (Array.isArray(value)) node[key] = value.filter(isRecord).map(fromXml);
  }
  return node;
}

function badResponse(what: string): MediaServerError {
  return new MediaServerError('bad-response', `Plex answered ${what}`);
}

/**
 * Parses a PMS body (XML or JSON) and returns its `MediaContainer`. A body that does not parse, or parses
 * without a MediaContainer, throws MediaServerError('bad-response'): the caller could not look, so it must
 * never read as "nothing there".
 */
export function parseContainer(body: string, contentType: string): PlexNode {
  const text = body.trim();
  const type = contentType.toLowerCase();
  const isJson = type.includes('json') || (!type.includes('xml') && text.startsWith('{'));
  let root: unknown;
  if (isJson) {
    try {
      root = JSON.parse(text);
    } catch {
      throw badResponse('with a body that is not valid JSON');
    }
    const container = isRecord(root) ? root.MediaContainer : undefined;
    if (!isRecord(container)) throw badResponse('JSON without a MediaContainer');
    return container;
  }
  if (text === '' || XMLValidator.validate(text) !== true) {
    throw badResponse(`with a body that is neither XML nor JSON (${contentType || 'no content type'})`);
  }
  root = xmlParser.parse(text);
  const container = isRecord(root) && Array.isArray(root.MediaContainer) ? root.MediaContainer[0] : undefined;
  if (!isRecord(container)) throw badResponse('XML without a MediaContainer');
  return fromXml(container);
}

/** Child elements under `key`, whether the payload gave an array (XML, JSON lists) or one object (JSON). */
export function children(node: PlexNode, key: string): PlexNode[] {
  const value = node[key];
  if (Array.isArray(value)) return value.filter(isRecord);
  return isRecord(value) ? [value] : [];
}

export function child(node: PlexNode, key: string): PlexNode | null {
  return children(node, key)[0] ?? null;
}

/** An attribute as text; empty strings and missing values are null. */
export function text(node: PlexNode | null, key: string): string | null {
  const value = node?.[key];
  if (typeof value === 'string') return value === '' ? null : value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

export function num(node: PlexNode | null, key: string): number | null {
  const value = node?.[key];
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && value !== ''
        ? Number(value)
        : Number.NaN;
  return Number.isFinite(n) ? n : null;
}

/** XML flags are "1"/"0"; JSON flags are booleans (and sometimes 1/0). */
export function flag(node: PlexNode | null, key: string): boolean {
  const value = node?.[key];
  return value === true || value === 1 || value === '1' || value === 'true';
}
