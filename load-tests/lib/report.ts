// Figures, verdicts and their two renderings: an aligned table on stdout and the generated section of
// BENCHMARKS.md. A target is checked exactly as stated in the project's issues and never relaxed
// here: a miss is printed as a miss.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, type Machine } from './machine.js';

export type Unit = 'obs/s' | 'probes/s' | 'ms' | 'B/obs';

export interface Baseline {
  /** Short name for the ratio column ("redis-benchmark"). */
  short: string;
  label: string;
  value: number;
  /** False for a reference figure quoted from a document rather than measured in this run. */
  measured: boolean;
}

export interface Target {
  /** What the limit applies to: the figure itself, or the figure divided by the first baseline. */
  on: 'value' | 'ratio';
  op: '>=' | '<' | '<=';
  limit: number;
}

export interface Figure {
  bench: string;
  label: string;
  value: number;
  unit: Unit;
  /** The first one is the ratio's denominator for a ratio target. */
  baselines: Baseline[];
  /** Absent: reported for context, not judged. */
  target?: Target;
  /** One line on what the figure means or, for a miss, what this run found about why. */
  note?: string;
}

export interface BenchResult {
  name: string;
  figures: Figure[];
  /** Supporting measurements (diagnostics, distributions, counts), one line each. */
  details: string[];
  seconds: number;
  /** Cores other processes on the machine kept busy during this benchmark (set by bench.ts). */
  otherCores?: number;
}

export type Verdict = 'PASS' | 'MISS' | 'info';

export function verdict(f: Figure): Verdict {
  if (!f.target) return 'info';
  const x = f.target.on === 'value' ? f.value : ratioOf(f.value, f.baselines[0]);
  if (!Number.isFinite(x)) return 'MISS';
  switch (f.target.op) {
    case '>=':
      return x >= f.target.limit ? 'PASS' : 'MISS';
    case '<':
      return x < f.target.limit ? 'PASS' : 'MISS';
    case '<=':
      return x <= f.target.limit ? 'PASS' : 'MISS';
  }
}

function ratioOf(value: number, b: Baseline | undefined): number {
  return b && b.value !== 0 ? value / b.value : Number.NaN;
}

export function formatValue(value: number, unit: Unit): string {
  if (!Number.isFinite(value)) return `n/a ${unit}`;
  switch (unit) {
    case 'obs/s':
    case 'probes/s':
      return `${Math.round(value).toLocaleString('en-US')} ${unit}`;
    case 'ms':
      return `${value < 10 ? value.toFixed(2) : value.toFixed(1)} ms`;
    case 'B/obs':
      return `${value.toFixed(1)} B/obs`;
  }
}

function baselineText(f: Figure): string {
  if (f.baselines.length === 0) return '—';
  return f.baselines.map((b) => `${b.label}: ${formatValue(b.value, f.unit)}${b.measured ? '' : ' (quoted)'}`).join('; ');
}

function ratioText(f: Figure): string {
  if (f.baselines.length === 0) return '—';
  return f.baselines.map((b) => `${ratioOf(f.value, b).toFixed(2)}× ${b.short}`).join('; ');
}

function targetText(f: Figure): string {
  if (!f.target) return '—';
  const op = { '>=': '≥', '<': '<', '<=': '≤' }[f.target.op];
  return f.target.on === 'ratio' ? `ratio ${op} ${f.target.limit}` : `${op} ${formatValue(f.target.limit, f.unit)}`;
}

const COLUMNS = ['benchmark', 'figure', 'value', 'baseline (same run)', 'ratio', 'target', 'result'] as const;

function rows(results: readonly BenchResult[]): string[][] {
  return results.flatMap((r) => r.figures.map((f) => [f.bench, f.label, formatValue(f.value, f.unit), baselineText(f), ratioText(f), targetText(f), verdict(f)]));
}

/** A table for the terminal: columns padded to their widest cell, a dashed rule under the header. */
export function alignedTable(columns: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const all = [columns, ...rows];
  const widths = columns.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(columns), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
}

/** A Markdown table; a `|` inside a cell is escaped so it cannot split the cell. */
export function markdownTable(columns: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  return [`| ${columns.join(' | ')} |`, `| ${columns.map(() => '---').join(' | ')} |`, ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`)];
}

/** The summary for the terminal: aligned columns, then the notes of every missed target. */
export function consoleTable(results: readonly BenchResult[]): string {
  const out = alignedTable(COLUMNS, rows(results));
  const misses = results.flatMap((r) => r.figures).filter((f) => verdict(f) === 'MISS');
  if (misses.length > 0) {
    out.push('', `${misses.length} target(s) missed:`);
    for (const f of misses) out.push(`  - ${f.bench}: ${f.label} — ${f.note ?? 'no explanation recorded'}`);
  }
  return out.join('\n');
}

export const BEGIN_MARK = '<!-- BEGIN GENERATED: `npm run bench` rewrites everything down to the END marker -->';
export const END_MARK = '<!-- END GENERATED -->';

export interface RunInfo {
  machine: Machine;
  startedAt: Date;
  seconds: number;
  loadAtEnd: number;
  /** Cores other processes kept busy on average over the whole run. */
  otherCores: number;
}

/** The generated part of BENCHMARKS.md, markers included. */
export function markdownSection(results: readonly BenchResult[], run: RunInfo): string {
  const m = run.machine;
  const out = [
    BEGIN_MARK,
    '',
    '## Latest run',
    '',
    `- **When:** ${run.startedAt.toISOString().replace(/\.\d+Z$/, 'Z')}, commit ${m.commit}; the whole \`npm run bench\` took ${formatDuration(run.seconds)}`,
    `- **Machine:** ${describe(m)}`,
    `- **Other work on the machine:** ${busy(run.otherCores)} on average during the run, of ${m.cores} (1-minute load average ${m.loadAtStart.toFixed(2)} at the start, ${run.loadAtEnd.toFixed(2)} at the end)`,
    '',
    ...markdownTable(
      COLUMNS,
      rows(results).map((r) => r.map((c, i) => (i === 6 && c !== 'info' ? `**${c}**` : c))),
    ),
    '',
  ];
  const misses = results.flatMap((r) => r.figures).filter((f) => verdict(f) === 'MISS');
  out.push(misses.length === 0 ? 'Every target was met in this run.' : `**${misses.length} target(s) missed in this run:**`, '');
  for (const f of misses) out.push(`- **${f.bench} — ${f.label}**: ${f.note ?? 'no explanation recorded'}`);
  if (misses.length > 0) out.push('');
  if (run.otherCores > run.machine.cores / 4) {
    out.push(
      `Other processes kept ${busy(run.otherCores)} of ${run.machine.cores} busy during this run, so absolute figures are lower than this machine gives when quiet; ratios suffer less, as baseline and spacewatch alternate, but runs near saturation (the 5,000-target schedule) are sensitive to it.`,
      '',
    );
  }
  for (const r of results) {
    out.push(`### ${r.name} (${formatDuration(r.seconds)}; other work on the machine: ${busy(r.otherCores ?? Number.NaN)})`, '');
    for (const f of r.figures) if (f.note && verdict(f) !== 'MISS') out.push(`- ${f.label}: ${f.note}`);
    for (const d of r.details) out.push(`- ${d}`);
    out.push('');
  }
  out.push(END_MARK);
  return out.join('\n');
}

/**
 * Replaces the section of `file` between the markers `begin` and `end` (markers included; `section`
 * carries its own), or appends it at the end when the file has no such section. The rest of the
 * file is left as it was, so each load test rewrites only its own figures in BENCHMARKS.md.
 */
export function writeSection(file: string, section: string, begin: string, end: string): void {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const from = text.indexOf(begin);
  const to = text.indexOf(end, from);
  const next = from >= 0 && to > from ? text.slice(0, from) + section + text.slice(to + end.length) : `${text.trimEnd()}\n\n${section}\n`;
  writeFileSync(file, next.endsWith('\n') ? next : `${next}\n`);
}

function busy(cores: number): string {
  return Number.isFinite(cores) ? `${cores.toFixed(2)} cores` : 'unknown';
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}
