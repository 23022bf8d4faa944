/**
 * "Export all": reads a statement's rows a batch at a time and writes them
 * straight to a file, waiting for the file to drain, so a result of any size
 * costs one batch of memory.
 */
import * as fs from 'node:fs';
import type { CellValue, QueryStream, ResultColumn } from './types';

export type ExportFormat = 'csv' | 'json';

export interface ExportResult {
  rows: number;
  bytes: number;
}

export function csvField(v: CellValue): string {
  if (v === null) return '';
  const s = typeof v === 'string' ? v : v.json;
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

const JSON_NUMBER_TYPES = new Set(['smallint', 'integer', 'real', 'double precision', 'oid']);

/** A cell as a JSON value: numbers for types that fit a double, booleans, parsed json; bigint and numeric stay strings (exact). */
export function jsonValue(v: CellValue, column: ResultColumn | undefined): unknown {
  if (v === null) return null;
  if (typeof v !== 'string') return JSON.parse(v.json) as unknown;
  const type = column?.type ?? '';
  if (JSON_NUMBER_TYPES.has(type) && v !== '' && Number.isFinite(Number(v))) return Number(v);
  if (type === 'boolean') return v === 't' || v === 'true';
  return v;
}

/** Writes one chunk; resolves once the stream can take more (backpressure). */
function write(out: fs.WriteStream, chunk: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    out.once('error', onError);
    const ok = out.write(chunk, 'utf8');
    const go = (): void => {
      out.off('error', onError);
      resolve();
    };
    if (ok) go();
    else out.once('drain', go);
  });
}

export async function exportStream(stream: QueryStream, format: ExportFormat, filePath: string, opts: { batchSize?: number; signal?: AbortSignal } = {}): Promise<ExportResult> {
  const batch = opts.batchSize ?? 5_000;
  const out = fs.createWriteStream(filePath, { encoding: 'utf8' });
  const cols = stream.columns;
  let rows = 0;
  try {
    if (format === 'csv') await write(out, `${cols.map((c) => csvField(c.name)).join(',')}\r\n`);
    else await write(out, '[');
    for (;;) {
      if (opts.signal?.aborted) throw new Error('Export cancelled.');
      const got = await stream.next(batch);
      if (!got.length) break;
      let chunk = '';
      for (const r of got) {
        if (format === 'csv') chunk += `${r.map(csvField).join(',')}\r\n`;
        else {
          const obj: Record<string, unknown> = {};
          r.forEach((v, i) => (obj[cols[i]?.name ?? `column${i + 1}`] = jsonValue(v, cols[i])));
          chunk += `${rows === 0 ? '\n' : ',\n'}${JSON.stringify(obj)}`;
        }
        rows++;
      }
      await write(out, chunk);
      if (stream.done) break;
    }
    if (format === 'json') await write(out, rows ? '\n]\n' : ']\n');
  } finally {
    await stream.close();
    await new Promise<void>((resolve) => out.end(resolve));
  }
  return { rows, bytes: out.bytesWritten };
}
