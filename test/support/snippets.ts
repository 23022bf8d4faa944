/**
 * VS Code snippet bodies, parsed and expanded with every default accepted: what
 * a user gets by pressing Tab through a snippet. Shared by the unit tier (which
 * checks the snippet files) and the integration tier (which runs them).
 */
export type SnippetNode =
  | { kind: 'text'; value: string }
  | { kind: 'tabstop'; index: number }
  | { kind: 'placeholder'; index: number; children: SnippetNode[] }
  | { kind: 'choice'; index: number; options: string[] }
  | { kind: 'variable'; name: string; children: SnippetNode[] };

/** Parses VS Code snippet syntax: `$1`, `${1}`, `${1:default}` (nested), `${1|a,b|}`, `$NAME`, `${NAME:default}`, `\$ \} \\`. */
export function parseSnippet(src: string): SnippetNode[] {
  let i = 0;
  const parse = (inside: boolean): SnippetNode[] => {
    const nodes: SnippetNode[] = [];
    let text = '';
    const flush = (): void => {
      if (text) nodes.push({ kind: 'text', value: text });
      text = '';
    };
    while (i < src.length) {
      const c = src[i] as string;
      const next = src[i + 1];
      if (c === '\\' && next !== undefined && '$}\\'.includes(next)) {
        text += next;
        i += 2;
        continue;
      }
      if (c === '}' && inside) {
        i++;
        flush();
        return nodes;
      }
      if (c === '$') {
        const rest = src.slice(i);
        let m: RegExpExecArray | null;
        if ((m = /^\$(\d+)/.exec(rest)) || (m = /^\$\{(\d+)\}/.exec(rest))) {
          flush();
          nodes.push({ kind: 'tabstop', index: Number(m[1]) });
          i += m[0].length;
          continue;
        }
        if ((m = /^\$\{(\d+)\|((?:[^|\\]|\\.)*)\|\}/.exec(rest))) {
          flush();
          const options = (m[2] ?? '').split(/(?<!\\),/).map((o) => o.replace(/\\(.)/g, '$1'));
          nodes.push({ kind: 'choice', index: Number(m[1]), options });
          i += m[0].length;
          continue;
        }
        if ((m = /^\$\{(\d+):/.exec(rest))) {
          flush();
          i += m[0].length;
          nodes.push({ kind: 'placeholder', index: Number(m[1]), children: parse(true) });
          continue;
        }
        if ((m = /^\$\{([A-Za-z_]\w*):/.exec(rest))) {
          flush();
          i += m[0].length;
          nodes.push({ kind: 'variable', name: m[1] ?? '', children: parse(true) });
          continue;
        }
        if ((m = /^\$([A-Za-z_]\w*)/.exec(rest)) || (m = /^\$\{([A-Za-z_]\w*)\}/.exec(rest))) {
          flush();
          nodes.push({ kind: 'variable', name: m[1] ?? '', children: [] });
          i += m[0].length;
          continue;
        }
      }
      text += c;
      i++;
    }
    if (inside) throw new Error(`unterminated placeholder in ${JSON.stringify(src)}`);
    flush();
    return nodes;
  };
  return parse(false);
}

/**
 * What inserting the snippet and accepting every default gives: placeholders
 * take their default, choices their first option, bare tab stops mirror the
 * placeholder of the same number (or nothing), variables their default.
 */
/**
 * `typed` stands for what a user types over a placeholder instead of its
 * default (by tab stop number); every other default is accepted.
 */
export function expandSnippet(body: string | readonly string[], typed: Readonly<Record<number, string>> = {}): string {
  const nodes = parseSnippet(typeof body === 'string' ? body : body.join('\n'));
  const values = new Map<number, string>(Object.entries(typed).map(([k, v]) => [Number(k), v]));
  const render = (list: SnippetNode[]): string => list.map((n) => {
    switch (n.kind) {
      case 'text': return n.value;
      case 'tabstop': return values.get(n.index) ?? '';
      case 'choice': return n.options[0] ?? '';
      case 'placeholder': return values.get(n.index) ?? render(n.children);
      case 'variable': return render(n.children);
    }
  }).join('');
  const collect = (list: SnippetNode[]): void => {
    for (const n of list) {
      if (n.kind === 'placeholder' || n.kind === 'variable') collect(n.children);
      if (n.kind === 'placeholder' && !values.has(n.index)) values.set(n.index, render(n.children));
      if (n.kind === 'choice' && !values.has(n.index)) values.set(n.index, n.options[0] ?? '');
    }
  };
  collect(nodes);
  return render(nodes);
}
