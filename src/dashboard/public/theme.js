// The theme as the canvas needs it: colours are CSS custom properties (app.css and each page's CSS),
// read here so the charts follow the stylesheet instead of repeating its values.

/** The value of a CSS custom property on the document, e.g. cssVar('--text'). */
export function cssVar(name) {
  return window.getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

/** A uPlot axis in the page's colours; `extra` adds or overrides options (size, values, splits…). */
export function axisStyle(extra = {}) {
  return { stroke: cssVar('--text'), font: '14px system-ui, sans-serif', grid: { stroke: cssVar('--grid'), width: 1 }, ticks: { stroke: cssVar('--grid') }, ...extra };
}
