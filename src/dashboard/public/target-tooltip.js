// One tooltip for everything hoverable on the charts (claims, marks, alert bands). Claim quotes,
// claimants and mark texts are user input: every string goes in with textContent, and a source URL
// becomes a link only when it is http(s).

import { safeHref } from './format.js';

/**
 * @param el the tooltip element (role=tooltip), positioned fixed by target.css
 * @returns `{ show(anchor, title, rows, opts), hide(force), pinned() }`
 */
export function createTooltip(el) {
  let pinnedTo = null;

  function render(title, rows) {
    el.replaceChildren();
    const head = document.createElement('div');
    head.className = 'tip-title';
    head.textContent = title;
    el.append(head);
    const dl = document.createElement('dl');
    for (const [label, text] of rows) {
      const dt = document.createElement('dt');
      dt.textContent = label;
      const dd = document.createElement('dd');
      const href = label === 'source' ? safeHref(text) : undefined;
      if (href) {
        const a = document.createElement('a');
        a.href = href;
        a.rel = 'noopener noreferrer';
        a.target = '_blank';
        a.textContent = text;
        dd.append(a);
      } else {
        dd.textContent = text;
      }
      dl.append(dt, dd);
    }
    el.append(dl);
  }

  // Beside the anchor, flipped to stay inside the window: a reporter's screenshot needs all of it.
  function place(anchor) {
    const r = anchor.getBoundingClientRect();
    el.hidden = false;
    const w = el.offsetWidth;
    const h = el.offsetHeight;
    let left = r.right + 10;
    if (left + w > window.innerWidth - 8) left = Math.max(8, r.left - w - 10);
    let top = r.top + r.height / 2 - h / 2;
    top = Math.min(Math.max(8, top), window.innerHeight - h - 8);
    el.style.left = `${Math.round(left)}px`;
    el.style.top = `${Math.round(top)}px`;
  }

  return {
    /** `kind` (claim, mark, band) and the verdict label go on data attributes for styling and tests. */
    show(anchor, title, rows, { kind = '', label = '', pin = false } = {}) {
      if (pinnedTo && pinnedTo !== anchor && !pin) return;
      render(title, rows);
      el.dataset.kind = kind;
      el.dataset.label = label;
      el.classList.toggle('pinned', pin);
      pinnedTo = pin ? anchor : null;
      place(anchor);
    },
    hide(force = false) {
      if (pinnedTo && !force) return;
      pinnedTo = null;
      el.classList.remove('pinned');
      el.hidden = true;
    },
    pinned: () => pinnedTo,
  };
}
