/**
 * What the tree and the reports read from the management API (records.ts
 * maps each answer). Long lists (queues, exchanges, connections, channels)
 * come a page at a time through the API's own `page`/`page_size`/`sort`
 * parameters, with `columns` so a page of a broker with 10,000 queues stays
 * small.
 */
import type { RabbitApi } from './connection';
import {
  type Json, mapChannel, mapConnection, mapExchange, mapNode, mapPolicy, mapQueue, mapUser, mapVhost, type Page, type RabbitChannel, type RabbitConnection,
  type RabbitExchange, type RabbitNode, type RabbitPolicy, type RabbitQueue, type RabbitUser, type RabbitVhost,
} from './records';

export * from './records';

/** The API's largest page. */
export const MAX_PAGE_SIZE = 500;

const int = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** The columns a queue page asks for (what mapQueue reads). */
const QUEUE_COLUMNS = 'name,vhost,type,state,messages,messages_ready,messages_unacknowledged,consumers,memory,idle_since,policy,durable,exclusive,auto_delete,messages_details';
const EXCHANGE_COLUMNS = 'name,vhost,type,durable,internal,auto_delete,message_stats';
const CONNECTION_COLUMNS = 'name,vhost,user,client_properties,channels,connected_at,state,timeout,peer_host,peer_port,protocol,ssl';
const CHANNEL_COLUMNS = 'name,connection_details,vhost,user,number,consumer_count,messages_unacknowledged,prefetch_count,state';

export interface PageRequest {
  /** 1-based. */
  page: number;
  pageSize: number;
  /** The API's sort key ('name', 'messages'…). */
  sort?: string;
  sortReverse?: boolean;
  /** A name filter (substring, or a regular expression with `regex`). */
  name?: string;
  regex?: boolean;
}

async function readPage<T>(api: RabbitApi, path: string[], columns: string, req: PageRequest, map: (j: Json) => T, signal?: AbortSignal): Promise<Page<T>> {
  const raw = await api.call<Json>(
    {
      method: 'GET',
      path,
      query: {
        page: req.page,
        page_size: Math.min(Math.max(1, req.pageSize), MAX_PAGE_SIZE),
        sort: req.sort ?? 'name',
        sort_reverse: req.sortReverse === true,
        columns,
        ...(req.name ? { name: req.name, use_regex: req.regex === true } : {}),
      },
    },
    signal ? { signal } : {},
  );
  const items = Array.isArray(raw['items']) ? (raw['items'] as Json[]) : [];
  return {
    items: items.map(map),
    page: int(raw['page']) || req.page,
    pageCount: int(raw['page_count']),
    filteredCount: int(raw['filtered_count']),
    totalCount: int(raw['total_count']),
  };
}

/** A page of one virtual host's queues (every vhost's when `vhost` is undefined). */
export function readQueues(api: RabbitApi, vhost: string | undefined, req: PageRequest, signal?: AbortSignal): Promise<Page<RabbitQueue>> {
  return readPage(api, vhost === undefined ? ['queues'] : ['queues', vhost], QUEUE_COLUMNS, req, mapQueue, signal);
}

export function readExchanges(api: RabbitApi, vhost: string, req: PageRequest, signal?: AbortSignal): Promise<Page<RabbitExchange>> {
  return readPage(api, ['exchanges', vhost], EXCHANGE_COLUMNS, req, mapExchange, signal);
}

export function readConnections(api: RabbitApi, req: PageRequest, signal?: AbortSignal): Promise<Page<RabbitConnection>> {
  return readPage(api, ['connections'], CONNECTION_COLUMNS, req, mapConnection, signal);
}

export function readChannels(api: RabbitApi, req: PageRequest, signal?: AbortSignal): Promise<Page<RabbitChannel>> {
  return readPage(api, ['channels'], CHANNEL_COLUMNS, req, mapChannel, signal);
}

/** One queue, fresh (the preview's counts). */
export async function readQueue(api: RabbitApi, vhost: string, name: string, signal?: AbortSignal): Promise<RabbitQueue> {
  return mapQueue(await api.call<Json>({ method: 'GET', path: ['queues', vhost, name], query: { columns: QUEUE_COLUMNS } }, signal ? { signal } : {}));
}

async function readList<T>(api: RabbitApi, path: string[], map: (j: Json) => T, signal?: AbortSignal): Promise<T[]> {
  const raw = await api.call<unknown>({ method: 'GET', path }, signal ? { signal } : {});
  return Array.isArray(raw) ? (raw as Json[]).map(map) : [];
}

export const readNodes = (api: RabbitApi, signal?: AbortSignal): Promise<RabbitNode[]> => readList(api, ['nodes'], mapNode, signal);
export const readVhosts = (api: RabbitApi, signal?: AbortSignal): Promise<RabbitVhost[]> => readList(api, ['vhosts'], mapVhost, signal);
export const readUsers = (api: RabbitApi, signal?: AbortSignal): Promise<RabbitUser[]> => readList(api, ['users'], mapUser, signal);
/** Policies of one virtual host, or of all. */
export const readPolicies = (api: RabbitApi, vhost?: string, signal?: AbortSignal): Promise<RabbitPolicy[]> =>
  readList(api, vhost === undefined ? ['policies'] : ['policies', vhost], mapPolicy, signal);
