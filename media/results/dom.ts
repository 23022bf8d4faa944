/** The results page's buttons and number format, on top of the shared DOM helpers. */
import { el, icon } from '../shared/dom';

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
