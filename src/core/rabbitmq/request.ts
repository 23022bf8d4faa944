/**
 * Requests to RabbitMQ's management API as data: the method, the path as
 * unencoded segments, the query, extra headers and a JSON body. The same value
 * is what the client sends and what a preview shows (`requestText`), so the
 * text a user confirms is the request that goes out — less the Authorization
 * header, which is built in memory at send time and never written anywhere.
 */

export type HttpMethod = 'GET' | 'PUT' | 'POST' | 'DELETE';

export interface ApiRequest {
  method: HttpMethod;
  /** The path after `/api/`, one unencoded segment each: `['queues', '/', 'orders', 'contents']`. */
  path: readonly string[];
  query?: Readonly<Record<string, string | number | boolean | undefined>>;
  /** Extra headers (X-Reason); never Authorization. */
  headers?: Readonly<Record<string, string>>;
  body?: unknown;
}

/**
 * One path segment, percent-encoded: a vhost named `/` is `%2F`, spaces and
 * unicode are encoded, and `.` / `..` are encoded too so no client, proxy or
 * server reads a queue named ".." as "the parent folder".
 */
export function encodeSegment(segment: string): string {
  const encoded = encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return /^\.+$/.test(encoded) ? encoded.replace(/\./g, '%2E') : encoded;
}

/** `/api/queues/%2F/orders/contents?if-empty=true` */
export function requestPath(req: Pick<ApiRequest, 'path' | 'query'>): string {
  const path = `/api/${req.path.map(encodeSegment).join('/')}`;
  const query = Object.entries(req.query ?? {}).filter((e): e is [string, string | number | boolean] => e[1] !== undefined);
  if (!query.length) return path;
  return `${path}?${query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`).join('&')}`;
}

/**
 * The request as a preview and the history show it: the request line, the
 * extra headers and the JSON body. Authorization is never part of it.
 */
export function requestText(req: ApiRequest): string {
  const lines = [`${req.method} ${requestPath(req)}`];
  for (const [name, value] of Object.entries(req.headers ?? {})) lines.push(`${name}: ${value}`);
  if (req.body !== undefined) lines.push('', JSON.stringify(req.body, null, 2));
  return lines.join('\n');
}

/**
 * A header value must be one line of visible Latin-1 text: anything else (a
 * reason typed with a newline or an emoji) would be refused by Node or, worse,
 * split into a second header. Unicode becomes `?`.
 */
export function headerValue(text: string, max = 200): string {
  const oneLine = text.replace(/[\r\n\t]+/g, ' ').replace(/[^\x20-\x7e]/g, '?').trim();
  return oneLine.length > max ? oneLine.slice(0, max) : oneLine;
}

/** An error answer of the API: its status, and RabbitMQ's own `error`/`reason` words. */
export class RabbitApiError extends Error {
  override name = 'RabbitApiError';
  readonly code: string;
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly request: string,
    /** The answer's body as sent (health checks answer 503 with JSON that says what failed). */
    readonly body = '',
  ) {
    super(`HTTP ${status}${reason ? `: ${reason}` : ''} (${request})`);
    this.code = `HTTP_${status}`;
  }
}

/** The status of an API error (by name, across bundles), or undefined. */
export function apiStatus(err: unknown): number | undefined {
  return err instanceof Error && err.name === 'RabbitApiError' ? (err as RabbitApiError).status : undefined;
}

/** RabbitMQ's error body `{"error":"not_found","reason":"Object Not Found"}` as one line. */
export function errorReason(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: unknown; reason?: unknown };
    const reason = typeof parsed.reason === 'string' ? parsed.reason : '';
    const error = typeof parsed.error === 'string' ? parsed.error : '';
    if (reason && error && !reason.includes(error)) return `${reason} (${error})`;
    return reason || error || body.slice(0, 200);
  } catch {
    return body.replace(/\s+/g, ' ').trim().slice(0, 200);
  }
}
