/**
 * A small context menu (`.context-menu`, items `button[role=menuitem]`),
 * placed at the pointer and kept inside the window. One at a time; Escape, a
 * click elsewhere, scrolling or losing focus closes it.
 */
import { el, icon } from '../shared/dom';

export interface MenuItem {
  label: string;
  cls: string;
  iconName: string;
  action: () => void;
  disabled?: boolean;
  shortcut?: string;
}

let open: { menu: HTMLElement; close: () => void } | undefined;

export function closeMenu(): void {
  open?.close();
}

export function showMenu(x: number, y: number, items: MenuItem[], returnFocus?: HTMLElement): void {
  closeMenu();
  const buttons = items.map((it) => {
    const b = el('button', { cls: `menu-item ${it.cls}`, attrs: { role: 'menuitem', type: 'button' } }, icon(it.iconName), el('span', { cls: 'label', text: it.label }), it.shortcut ? el('span', { cls: 'shortcut', text: it.shortcut }) : undefined);
    b.disabled = it.disabled ?? false;
    b.tabIndex = -1;
    b.addEventListener('click', () => {
      close();
      it.action();
    });
    return b;
  });
  const menu = el('div', { cls: 'context-menu', attrs: { role: 'menu' } }, ...buttons);
  const onDown = (e: Event): void => {
    if (!(e.target instanceof Node) || !menu.contains(e.target)) close();
  };
  const onKey = (e: KeyboardEvent): void => {
    const enabled = buttons.filter((b) => !b.disabled);
    const at = enabled.indexOf(document.activeElement as HTMLButtonElement);
    if (e.key === 'Escape') close();
    else if (e.key === 'ArrowDown') enabled[(at + 1) % enabled.length]?.focus();
    else if (e.key === 'ArrowUp') enabled[(at - 1 + enabled.length) % enabled.length]?.focus();
    else if (e.key === 'Tab') close();
    else return;
    e.preventDefault();
    e.stopPropagation();
  };
  const close = (): void => {
    if (open?.menu !== menu) return;
    open = undefined;
    menu.remove();
    document.removeEventListener('mousedown', onDown, true);
    document.removeEventListener('keydown', onKey, true);
    window.removeEventListener('blur', close);
    window.removeEventListener('resize', close);
    document.removeEventListener('wheel', close, true);
    returnFocus?.focus({ preventScroll: true });
  };
  document.body.append(menu);
  const r = menu.getBoundingClientRect();
  menu.style.left = `${Math.max(0, Math.min(x, window.innerWidth - r.width - 4))}px`;
  menu.style.top = `${Math.max(0, y + r.height > window.innerHeight ? y - r.height : y)}px`;
  open = { menu, close };
  document.addEventListener('mousedown', onDown, true);
  document.addEventListener('keydown', onKey, true);
  window.addEventListener('blur', close);
  window.addEventListener('resize', close);
  document.addEventListener('wheel', close, true);
  buttons.find((b) => !b.disabled)?.focus();
}
