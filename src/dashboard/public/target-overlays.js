// Drawing the overlays on the uPlot canvases (hooks.drawClear / hooks.draw) and the hover targets
// above them. Canvas text cannot carry markup, so user strings drawn there are inert; the hover
// targets are buttons (keyboard-focusable) whose tooltip sets every string as text.

import { formatClock, formatCount } from './format.js';
import { bandEnd, bandRows, claimRows, formatRatio, markRows } from './target-overlay-data.js';

const LABEL_MAX = 32;
const clip = (s) => (s.length > LABEL_MAX ? `${s.slice(0, LABEL_MAX - 1)}…` : s);

/**
 * @param deps.model   () => `{ bands, marks, claims, scheduledStart, onAirAt, peak, ruleColor: Map }`
 * @param deps.colors  () => CSS colours read once: `{ text, muted, scheduled, onAir, peak, bg, verdict: {…}, mark: {…} }`
 * @param deps.tooltip the page's tooltip (target-tooltip.js)
 * @param deps.pxRatio uPlot.pxRatio (canvas pixels per CSS pixel)
 */
export function createOverlays({ model, colors, tooltip, pxRatio }) {
  const hot = new WeakMap(); // uPlot instance → Map(key → { el, info }); gone with the chart

  function inPlot(u, fn) {
    const { ctx } = u;
    const { left, top, width, height } = u.bbox;
    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top, width, height);
    ctx.clip();
    fn(ctx, { left, top, width, height });
    ctx.restore();
  }

  const x = (u, t) => u.valToPos(t, 'x', true);
  const font = (size, weight = 600) => `${weight} ${Math.round(size * pxRatio)}px system-ui, sans-serif`;

  function vline(ctx, box, px, color, dash) {
    ctx.strokeStyle = color;
    ctx.lineWidth = 2 * pxRatio;
    ctx.setLineDash(dash.map((d) => d * pxRatio));
    ctx.beginPath();
    ctx.moveTo(px, box.top);
    ctx.lineTo(px, box.top + box.height);
    ctx.stroke();
    ctx.setLineDash([]);
  }

  function label(ctx, text, px, py, color, box) {
    ctx.font = font(12);
    // uPlot leaves its axis alignment on the context.
    ctx.textAlign = 'left';
    ctx.textBaseline = 'alphabetic';
    const w = ctx.measureText(text).width;
    // Flip to the left of its line near the right edge, so the label stays on the chart.
    const lx = px + 4 * pxRatio + w > box.left + box.width ? px - 4 * pxRatio - w : px + 4 * pxRatio;
    ctx.fillStyle = colors().bg;
    ctx.globalAlpha = 0.75;
    ctx.fillRect(lx - 2 * pxRatio, py - 11 * pxRatio, w + 4 * pxRatio, 15 * pxRatio);
    ctx.globalAlpha = 1;
    ctx.fillStyle = color;
    ctx.fillText(text, lx, py);
  }

  /** Behind the series: alert bands, translucent, in their rule's colour. */
  function drawBack(u) {
    const m = model();
    const now = Date.now();
    inPlot(u, (ctx, box) => {
      for (const b of m.bands) {
        const x0 = x(u, b.from);
        const x1 = Math.max(x(u, bandEnd(b, now)), x0 + 2 * pxRatio);
        ctx.fillStyle = m.ruleColor.get(b.rule) ?? colors().muted;
        ctx.globalAlpha = 0.16;
        ctx.fillRect(x0, box.top, x1 - x0, box.height);
        ctx.globalAlpha = 0.9;
        ctx.fillRect(x0, box.top, x1 - x0, 4 * pxRatio);
        ctx.globalAlpha = 1;
      }
    });
  }

  /** Above the series: schedule lines, marks, and on the listeners panel the peak and the claims. */
  function drawFront(u, panel) {
    const m = model();
    const c = colors();
    const withLabels = panel === 'listeners';
    inPlot(u, (ctx, box) => {
      const row = (i) => box.top + (18 + 16 * i) * pxRatio;
      if (m.scheduledStart !== undefined) {
        vline(ctx, box, x(u, m.scheduledStart), c.scheduled, [6, 4]);
        if (withLabels) label(ctx, `scheduled ${formatClock(m.scheduledStart)}`, x(u, m.scheduledStart), row(0), c.scheduled, box);
      }
      if (m.onAirAt !== undefined) {
        vline(ctx, box, x(u, m.onAirAt), c.onAir, []);
        if (withLabels) label(ctx, `on air ${formatClock(m.onAirAt)}`, x(u, m.onAirAt), row(1), c.onAir, box);
      }
      m.marks.forEach((mk, i) => {
        const color = c.mark[mk.kind] ?? c.muted;
        vline(ctx, box, x(u, mk.at), color, [2, 3]);
        if (withLabels) label(ctx, clip(mk.text ? `${mk.kind}: ${mk.text}` : mk.kind), x(u, mk.at), row(2 + (i % 3)), color, box);
      });
      if (!withLabels) return;
      if (m.peak) drawPeak(u, ctx, box, m.peak, c);
      for (const cl of m.claims) drawClaim(u, ctx, box, cl, c);
    });
    if (withLabels) placeHotspots(u, m);
  }

  function drawPeak(u, ctx, box, peak, c) {
    const px = x(u, peak.at);
    const py = u.valToPos(peak.value, 'y', true);
    if (!Number.isFinite(py)) return;
    ctx.fillStyle = c.peak;
    ctx.strokeStyle = c.bg;
    ctx.lineWidth = 2 * pxRatio;
    ctx.beginPath();
    ctx.arc(px, py, 5 * pxRatio, 0, 2 * Math.PI);
    ctx.fill();
    ctx.stroke();
    label(ctx, `peak ${formatCount(peak.value)} · ${formatClock(peak.at)}`, px + 4 * pxRatio, Math.max(box.top + 14 * pxRatio, py - 8 * pxRatio), c.peak, box);
  }

  /** Where a claim's marker sits in canvas pixels: at its value, or on the top edge when it has no place on the axis. */
  function claimPos(u, box, cl) {
    const px = x(u, cl.at);
    const py = cl.onScale ? u.valToPos(cl.value, 'y', true) : NaN;
    return { px, py: Number.isFinite(py) ? py : box.top + 10 * pxRatio, onAxis: Number.isFinite(py) };
  }

  function drawClaim(u, ctx, box, cl, c) {
    const color = c.verdict[cl.label] ?? c.muted;
    const { px, py, onAxis } = claimPos(u, box, cl);
    // The claimed figure drawn against the measured line: a dashed drop to the measured count.
    const my = onAxis && cl.measured !== undefined ? u.valToPos(cl.measured, 'y', true) : NaN;
    if (Number.isFinite(my)) {
      ctx.strokeStyle = color;
      ctx.lineWidth = 2 * pxRatio;
      ctx.setLineDash([4 * pxRatio, 3 * pxRatio]);
      ctx.beginPath();
      ctx.moveTo(px, py);
      ctx.lineTo(px, my);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.beginPath();
      ctx.moveTo(px - 6 * pxRatio, my);
      ctx.lineTo(px + 6 * pxRatio, my);
      ctx.stroke();
    }
    const r = 7 * pxRatio;
    ctx.beginPath();
    if (onAxis) ctx.arc(px, py, r, 0, 2 * Math.PI);
    else {
      ctx.moveTo(px, py - r);
      ctx.lineTo(px + r, py);
      ctx.lineTo(px, py + r);
      ctx.lineTo(px - r, py);
      ctx.closePath();
    }
    ctx.fillStyle = color;
    ctx.fill();
    ctx.strokeStyle = c.bg;
    ctx.lineWidth = 2 * pxRatio;
    ctx.stroke();
    const tag = cl.ratio !== undefined ? `${formatRatio(cl.ratio)} ${cl.label}` : cl.label;
    label(ctx, tag, px + 6 * pxRatio, py + 4 * pxRatio, color, box);
  }

  // Hover targets: a button over each claim marker, each mark line and each band's top strip, placed
  // in CSS pixels inside uPlot's overlay. Reused by key, so a redraw under the pointer keeps the hover.
  function placeHotspots(u, m) {
    let mine = hot.get(u);
    if (!mine) hot.set(u, (mine = new Map()));
    const box = u.bbox;
    const css = (v) => v / pxRatio;
    const left = css(box.left);
    const top = css(box.top);
    const spots = [];
    const now = Date.now();
    for (const b of m.bands) {
      const x0 = css(x(u, b.from)) - left;
      const x1 = css(x(u, bandEnd(b, now))) - left;
      spots.push({ key: `band:${b.id}`, kind: 'band', x: x0, y: 0, w: Math.max(6, x1 - x0), h: 12, title: `Alert: ${b.rule}`, rows: bandRows(b, now), label: b.rule });
    }
    for (const mk of m.marks) {
      spots.push({ key: `mark:${mk.id}`, kind: 'mark', x: css(x(u, mk.at)) - left - 5, y: 12, w: 10, h: css(box.height) - 12, title: `Mark: ${mk.kind}`, rows: markRows(mk), label: mk.kind });
    }
    for (const cl of m.claims) {
      const { px, py } = claimPos(u, box, cl);
      spots.push({ key: `claim:${cl.id}`, kind: 'claim', x: css(px) - left - 9, y: css(py) - top - 9, w: 18, h: 18, title: `Claim by ${cl.claimant}`, rows: claimRows(cl), label: cl.label, id: cl.id });
    }
    const width = css(box.width);
    const seen = new Set();
    for (const s of spots) {
      if (s.x + s.w < 0 || s.x > width) continue;
      seen.add(s.key);
      let entry = mine.get(s.key);
      if (!entry) {
        entry = { el: makeSpot(), info: s };
        mine.set(s.key, entry);
        u.over.append(entry.el);
      }
      entry.info = s;
      const el = entry.el;
      el.className = `hot hot-${s.kind}`;
      el.dataset.kind = s.kind;
      el.dataset.label = s.label;
      if (s.id) el.dataset.id = s.id;
      el.setAttribute('aria-label', s.title);
      Object.assign(el.style, { left: `${s.x}px`, top: `${s.y}px`, width: `${s.w}px`, height: `${s.h}px` });
    }
    for (const [key, entry] of mine) {
      if (seen.has(key)) continue;
      if (tooltip.pinned() === entry.el) tooltip.hide(true);
      entry.el.remove();
      mine.delete(key);
    }

    function makeSpot() {
      const el = document.createElement('button');
      el.type = 'button';
      const info = () => [...mine.values()].find((e) => e.el === el)?.info;
      const show = (pin) => {
        const s = info();
        if (s) tooltip.show(el, s.title, s.rows, { kind: s.kind, label: s.label, pin });
      };
      el.addEventListener('mouseenter', () => show(false));
      el.addEventListener('focus', () => show(false));
      el.addEventListener('mouseleave', () => tooltip.hide());
      el.addEventListener('blur', () => tooltip.hide());
      // A click pins the tooltip, so a reporter can select the quote or take a screenshot.
      el.addEventListener('click', () => (tooltip.pinned() === el ? tooltip.hide(true) : show(true)));
      return el;
    }
  }

  return { drawBack, drawFront };
}
