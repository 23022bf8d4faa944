/**
 * DOM helpers for the results page. Everything is built with createElement and
 * textContent: values from the server are data, never markup.
 */

export interface ElProps {
  cls?: string;
  text?: string;
  title?: string;
  attrs?: Record<string, string>;
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: ElProps = {}, ...children: (Node | string | undefined)[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props.cls) node.className = props.cls;
  if (props.text !== undefined) node.textContent = props.text;
  if (props.title) node.title = props.title;
  for (const [k, v] of Object.entries(props.attrs ?? {})) node.setAttribute(k, v);
  for (const c of children) if (c !== undefined) node.append(c);
  return node;
}

export function icon(name: string, extra = ''): HTMLElement {
  return el('span', { cls: `codicon codicon-${name}${extra ? ` ${extra}` : ''}`, attrs: { 'aria-hidden': 'true' } });
}

export interface ButtonOpts {
  /** Extra class names (the stable hooks for tests: `cancel`, `fetch-more`, …). */
  cls?: string;
  iconName?: string;
  secondary?: boolean;
  /** Icon only: the label becomes the title and aria-label. */
  iconOnly?: boolean;
  title?: string;
  disabled?: boolean;
}

export function button(label: string, onClick: (e: MouseEvent) => void, opts: ButtonOpts = {}): HTMLButtonElement {
  const classes = ['button', opts.secondary ? 'secondary' : '', opts.iconOnly ? 'icon-only' : '', opts.cls ?? ''].filter(Boolean).join(' ');
  const b = el('button', { cls: classes, title: opts.title ?? label, attrs: { 'aria-label': opts.title ?? label } }, opts.iconName ? icon(opts.iconName) : undefined, opts.iconOnly ? undefined : label);
  b.type = 'button';
  b.disabled = opts.disabled ?? false;
  b.addEventListener('click', onClick);
  return b;
}

/** 1234567 → "1,234,567". */
export function formatInt(n: number): string {
  return n.toLocaleString('en-US');
}
