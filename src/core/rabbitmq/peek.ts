/**
 * Messages read by a peek (POST …/get, ack_requeue_true), as plain data, and
 * the read-only text they are shown as. The server sends a payload as text
 * when it is valid UTF-8 and as base64 otherwise (encoding 'auto'), cut at the
 * peek's truncate limit; both are said in the text.
 */

export interface PeekedMessage {
  exchange: string;
  routingKey: string;
  redelivered: boolean;
  /** The payload's full size in bytes (before truncation). */
  bytes: number;
  encoding: 'string' | 'base64';
  payload: string;
  /** The payload was cut by the server. */
  truncated: boolean;
  properties: Record<string, unknown>;
  /** Messages left in the queue after this one, as the server counted. */
  remaining: number;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

export function mapPeeked(m: Record<string, unknown>): PeekedMessage {
  const payload = str(m['payload']);
  const encoding = m['payload_encoding'] === 'base64' ? 'base64' : 'string';
  const bytes = typeof m['payload_bytes'] === 'number' ? m['payload_bytes'] : Buffer.byteLength(payload);
  const shown = encoding === 'base64' ? Buffer.from(payload, 'base64').length : Buffer.byteLength(payload);
  const props = m['properties'];
  return {
    exchange: str(m['exchange']),
    routingKey: str(m['routing_key']),
    redelivered: m['redelivered'] === true,
    bytes,
    encoding,
    payload,
    truncated: shown < bytes,
    properties: props && typeof props === 'object' && !Array.isArray(props) ? (props as Record<string, unknown>) : {},
    remaining: typeof m['message_count'] === 'number' ? m['message_count'] : 0,
  };
}

/**
 * The messages as one read-only document: a header per message (exchange,
 * routing key, size, properties as JSON), then the payload as the server gave
 * it. Payload text is shown as is, inside a plain-text document (never HTML).
 */
export function peekText(queue: string, vhost: string, messages: readonly PeekedMessage[]): string {
  const lines = [
    `# ${messages.length} message${messages.length === 1 ? '' : 's'} of queue ${JSON.stringify(queue)} in vhost ${JSON.stringify(vhost)}`,
    '# Read with ackmode ack_requeue_true: they are back in the queue, marked redelivered.',
    '',
  ];
  messages.forEach((m, i) => {
    lines.push(`## Message ${i + 1}`);
    lines.push(`exchange: ${m.exchange === '' ? '(AMQP default)' : JSON.stringify(m.exchange)}`);
    lines.push(`routing key: ${JSON.stringify(m.routingKey)}`);
    lines.push(`size: ${m.bytes.toLocaleString('en-US')} bytes${m.truncated ? ' (payload cut by the server)' : ''}; payload as ${m.encoding === 'base64' ? 'base64 (not valid UTF-8)' : 'text'}`);
    if (m.redelivered) lines.push('redelivered: yes (delivered before)');
    if (Object.keys(m.properties).length) lines.push(`properties: ${JSON.stringify(m.properties)}`);
    lines.push('', m.payload, '');
  });
  if (!messages.length) lines.push('The queue had no ready messages.');
  return lines.join('\n');
}
