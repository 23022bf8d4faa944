/** CLIENT LIST for people: who is connected, with Upkeep's own connections marked. */
import { formatBytes } from '../../core/format';
import type { RedisSession } from '../../core/redis/connection';
import { parseClientList, type RedisClientInfo } from '../../core/redis/clientList';

export interface ListedClients {
  clients: RedisClientInfo[];
  /** The id of the tree's own connection (CLIENT ID on the session's client). */
  treeId: string;
}

export async function listClients(session: RedisSession): Promise<ListedClients> {
  const [list, id] = await Promise.all([session.client.client('LIST'), session.client.client('ID')]);
  return { clients: parseClientList(String(list)), treeId: String(id) };
}

/** A Markdown table cell: pipes, backslashes, backticks, angle brackets and newlines cannot break out of it. */
function cell(text: string): string {
  return text.replace(/[\\|`*_<>[\]]/g, (c) => `\\${c}`).replace(/\r?\n/g, ' ');
}

export function clientsMarkdown(connection: string, listed: ListedClients): string {
  const rows = listed.clients.map((c) => {
    const own = c.id === listed.treeId ? 'Upkeep (tree)' : c.name.startsWith('upkeep') ? 'Upkeep' : '';
    return `| ${c.id} | ${cell(c.addr)} | ${cell(c.name)} | ${cell(c.user)} | ${c.age} s | ${c.idle} s | ${c.db} | ${cell(c.cmd)} | ${c.memoryBytes === null ? '' : formatBytes(c.memoryBytes)} | ${own} |`;
  });
  return [
    `# Redis clients — ${cell(connection)}`,
    '',
    `${listed.clients.length} connected (CLIENT LIST, read ${new Date().toISOString()}). Disconnect one with *Upkeep Redis: Disconnect Client…*.`,
    '',
    '| id | address | name | user | age | idle | db | command | memory | |',
    '| ---: | --- | --- | --- | ---: | ---: | ---: | --- | ---: | --- |',
    ...rows,
    '',
  ].join('\n');
}
