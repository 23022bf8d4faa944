/**
 * The management API client: one HTTP request per call, Basic auth built in
 * memory, a deadline per request, an AbortSignal that cancels it, and the
 * API's error answers as RabbitApiError. No connection stays open between
 * calls, so the session is the profile and its password.
 *
 * Node's own http/https modules rather than fetch: TLS "require" (encrypted,
 * certificate not verified) needs `rejectUnauthorized: false`, which fetch
 * takes only through undici's Agent (not a dependency of ours), and fetch
 * would resolve a `..` path segment before sending it.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { ConnectionProfile } from '../connections/profile';
import type { EngineSession } from '../engine';
import { Cancelled, UserFacingError } from '../errors';
import { DEFAULT_PORT } from './port';
import { type ApiRequest, errorReason, RabbitApiError, requestPath } from './request';

export { DEFAULT_PORT };

export interface CallOptions {
  signal?: AbortSignal;
  /** Whole-request deadline; the profile's connect timeout by default. */
  timeoutMs?: number;
  /** Answers larger than this are refused (definitions of a big broker: raise it). */
  maxBytes?: number;
}

const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;

export class RabbitApi {
  constructor(
    readonly profile: ConnectionProfile,
    private readonly password: string | undefined,
  ) {}

  /** Sends the request; resolves with the parsed JSON answer (undefined for an empty one). */
  async call<T = unknown>(req: ApiRequest, opts: CallOptions = {}): Promise<T> {
    const text = await this.send(req, opts);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** Sends the request; resolves with the answer's body as text. */
  send(req: ApiRequest, opts: CallOptions = {}): Promise<string> {
    const p = this.profile;
    const path = requestPath(req);
    const line = `${req.method} ${path}`;
    if (opts.signal?.aborted) return Promise.reject(new Cancelled());
    const dots = req.path.find((s) => /^\.{1,2}$/.test(s));
    if (dots !== undefined) {
      // The server reads such a segment as a path step (it answers 405): refuse before sending.
      return Promise.reject(new UserFacingError(`RabbitMQ's management API cannot address a name that is "${dots}": use rabbitmqctl or an AMQP client for it. Nothing was sent.`));
    }
    const body = req.body === undefined ? undefined : Buffer.from(JSON.stringify(req.body));
    // `*/*`: some endpoints answer nothing (DELETE …/contents) and refuse `application/json` with 406.
    const headers: Record<string, string> = { accept: '*/*', ...req.headers };
    // Built here, sent in the header only: never in a URL, an argument or a log line.
    headers['authorization'] = `Basic ${Buffer.from(`${p.user ?? ''}:${this.password ?? ''}`).toString('base64')}`;
    if (body) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(body.length);
    }
    const tls = p.tls !== 'disable';
    const options: https.RequestOptions = {
      host: p.host,
      port: p.port ?? DEFAULT_PORT,
      method: req.method,
      path,
      headers,
      ...(tls ? { rejectUnauthorized: p.tls === 'verify', servername: isIp(p.host ?? '') ? undefined : p.host } : {}),
    };
    const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
    const timeoutMs = opts.timeoutMs ?? p.connectTimeoutMs;
    return new Promise<string>((resolve, reject) => {
      let settled = false;
      const finish = (err: unknown, value?: string): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        if (err) reject(err instanceof Error ? err : new Error('request failed'));
        else resolve(value ?? '');
      };
      const request = (tls ? https : http).request(options, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) {
            request.destroy();
            finish(new Error(`The answer to ${line} is larger than ${Math.round(maxBytes / 1024 / 1024)} MB: not read.`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) finish(undefined, text);
          else finish(new RabbitApiError(status, errorReason(text), line, text.slice(0, 64 * 1024)));
        });
        res.on('error', (err) => finish(err));
      });
      const timer = setTimeout(() => {
        request.destroy();
        finish(Object.assign(new Error(`${line} timed out after ${timeoutMs} ms`), { code: 'ETIMEDOUT' }));
      }, timeoutMs);
      const onAbort = (): void => {
        request.destroy();
        finish(new Cancelled());
      };
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      request.on('error', (err) => finish(err));
      request.end(body);
    });
  }
}

function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}

/** What "Test connection" and the Overview show. */
export interface RabbitOverview {
  rabbitmqVersion: string;
  erlangVersion: string;
  clusterName: string;
  managementVersion: string;
  /** The node the API answered from. */
  node: string;
  /** False when the server collects no message rates (`disable_stats`, as in the official container images' management-metrics setting). */
  ratesCollected: boolean;
  raw: OverviewJson;
}

/** The parts of GET /api/overview Upkeep reads. */
export interface OverviewJson {
  rabbitmq_version?: string;
  erlang_version?: string;
  cluster_name?: string;
  management_version?: string;
  node?: string;
  disable_stats?: boolean;
  rates_mode?: string;
  statistics_db_event_queue?: number;
  message_stats?: Record<string, unknown>;
  queue_totals?: { messages?: number; messages_ready?: number; messages_unacknowledged?: number };
  object_totals?: { connections?: number; channels?: number; queues?: number; exchanges?: number; consumers?: number };
  listeners?: { node?: string; protocol?: string; port?: number; ip_address?: string }[];
}

export function mapOverview(raw: OverviewJson): RabbitOverview {
  return {
    rabbitmqVersion: raw.rabbitmq_version ?? 'unknown',
    erlangVersion: raw.erlang_version ?? 'unknown',
    clusterName: raw.cluster_name ?? '',
    managementVersion: raw.management_version ?? '',
    node: raw.node ?? '',
    ratesCollected: raw.disable_stats !== true && raw.rates_mode !== 'none',
    raw,
  };
}

export async function readOverview(api: RabbitApi, signal?: AbortSignal): Promise<RabbitOverview> {
  return mapOverview(await api.call<OverviewJson>({ method: 'GET', path: ['overview'] }, signal ? { signal } : {}));
}

/** What the editor keeps per RabbitMQ connection: the API client (no socket stays open between calls). */
export class RabbitSession implements EngineSession {
  readonly api: RabbitApi;
  constructor(
    readonly profile: ConnectionProfile,
    password: string | undefined,
  ) {
    this.api = new RabbitApi(profile, password);
  }

  dispose(): Promise<void> {
    return Promise.resolve();
  }
}
