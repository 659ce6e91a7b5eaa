import { redact } from '../redact.ts';
import { MediaServerError } from './types.ts';

export const REQUEST_TIMEOUT_MS = 10_000;
/**
 * The most a single answer may hold once decompressed (fetch inflates gzip/deflate/br on the fly, and a small gzip
 * answer can expand to gigabytes). The largest real answers (plex.tv's friends list, a 20,000-entry activity log)
 * are a few megabytes. A larger answer is read no further and reported as a 'bad-response'.
 */
export const MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

export interface HttpRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  headers?: Record<string, string>;
  /** Sent as JSON when an object. */
  body?: unknown;
}

export interface HttpResponse {
  status: number;
  contentType: string;
  text: string;
}

/**
 * Small HTTP client shared by the platform adapters: owns the base URL, auth headers and the timeout, and turns
 * every failure into a MediaServerError whose message never contains a token.
 */
export class HttpClient {
  constructor(
    private readonly baseUrl: string,
    private readonly defaultHeaders: Record<string, string>,
    private readonly timeoutMs = REQUEST_TIMEOUT_MS,
    private readonly maxResponseBytes = MAX_RESPONSE_BYTES,
  ) {}

  /**
   * Performs the request; any status other than 2xx throws (3xx as 'redirect', never followed; 404 as 'not-found';
   * 401/403 as 'unauthorized').
   */
  async request(req: HttpRequest): Promise<HttpResponse> {
    const url = new URL(this.baseUrl.replace(/\/+$/, '') + req.path);
    for (const [k, v] of Object.entries(req.query ?? {}))
      if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { ...this.defaultHeaders, ...req.headers };
    let body: string | undefined;
    if (req.body !== undefined) {
      body = JSON.stringify(req.body);
      headers['Content-Type'] = 'application/json';
    }
    const where = `${req.method ?? 'GET'} ${url.pathname}`;
    let res: Response;
    try {
      res = await fetch(url, {
        method: req.method ?? 'GET',
        headers,
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
        // Every request carries the token (X-Plex-Token / X-Emby-Token / Authorization). fetch would send those
        // headers on to wherever a 3xx points, another host included, so a redirect is never followed: it is
        // reported as 'redirect' and the admin gives the final address instead.
        redirect: 'manual',
      });
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      if (e.name === 'TimeoutError' || e.name === 'AbortError') {
        throw new MediaServerError(
          'timeout',
          `${where}: no answer within ${Math.round(this.timeoutMs / 1000)} s`,
        );
      }
      const code = e.cause?.code ? ` (${e.cause.code})` : '';
      throw new MediaServerError('unreachable', redact(`${where}: could not connect${code}`));
    }
    if (res.status >= 300 && res.status < 400) {
      await res.body?.cancel().catch(() => {});
      throw new MediaServerError(
        'redirect',
        `${where}: the server answered with a redirect (HTTP ${res.status}), which is not followed`,
        res.status,
      );
    }
    const text = await readCapped(res, this.maxResponseBytes, where);
    const contentType = res.headers.get('content-type') ?? '';
    if (res.status === 401 || res.status === 403) {
      throw new MediaServerError(
        'unauthorized',
        `${where}: the server refused the token (HTTP ${res.status})`,
        res.status,
      );
    }
    if (res.status === 404) throw new MediaServerError('not-found', `${where}: not found (HTTP 404)`, 404);
    if (res.status < 200 || res.status >= 300) {
      throw new MediaServerError(
        'server-error',
        `${where}: the server answered HTTP ${res.status}`,
        res.status,
      );
    }
    return { status: res.status, contentType, text };
  }

  /** Requests JSON and parses it; a body that is not JSON throws 'bad-response'. */
  async json<T = unknown>(req: HttpRequest): Promise<T> {
    const res = await this.request({ ...req, headers: { Accept: 'application/json', ...req.headers } });
    if (res.text.trim() === '') return undefined as T;
    try {
      return JSON.parse(res.text) as T;
    } catch {
      throw new MediaServerError(
        'bad-response',
        `${req.method ?? 'GET'} ${req.path}: the answer is not valid JSON`,
      );
    }
  }
}

/**
 * Reads the (decompressed) body chunk by chunk and stops at `max` bytes, cancelling the rest, so a huge or
 * endless answer or a compression bomb costs at most `max` bytes of memory.
 */
async function readCapped(res: Response, max: number, where: string): Promise<string> {
  if (!res.body) return '';
  const declared = Number(res.headers.get('content-length') ?? Number.NaN);
  const tooLarge = () =>
    new MediaServerError(
      'bad-response',
      `${where}: the answer is larger than ${Math.round(max / (1024 * 1024))} MB, so it was not read`,
    );
  // Content-Length is the encoded size, so it can only refuse early; the count below is what decides.
  if (declared > max) {
    await res.body.cancel().catch(() => {});
    throw tooLarge();
  }
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  const parts: string[] = [];
  let bytes = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
      if (bytes > max) {
        await reader.cancel().catch(() => {});
        throw tooLarge();
      }
      parts.push(decoder.decode(value, { stream: true }));
    }
  } catch (err) {
    if (err instanceof MediaServerError) throw err;
    throw new MediaServerError('timeout', `${where}: the answer did not arrive within the time limit`);
  }
  parts.push(decoder.decode());
  return parts.join('');
}
