/**
 * What a bench section measures and how run.ts prints it: figures, with an
 * optional target, in one table whose "ratio to target" is ≤ 1 when met.
 */

export interface BenchTarget {
  value: number;
  /** `lower`: the figure must not exceed the target (latencies); `higher`: must reach it (throughputs). */
  better: 'lower' | 'higher';
}

export interface BenchFigure {
  name: string;
  value: number;
  unit: string;
  target?: BenchTarget;
}

/** One part of the bench (créneaux, bookings, notifications...): builds what it needs, measures, cleans up. */
export interface BenchSection {
  name: string;
  run(): Promise<BenchFigure[]>;
}

/** ≤ 1 when the target is met, whichever way it points. */
export function ratioToTarget(figure: BenchFigure): number | null {
  if (!figure.target) return null;
  return figure.target.better === 'lower' ? figure.value / figure.target.value : figure.target.value / figure.value;
}

export function missedTargets(figures: BenchFigure[]): BenchFigure[] {
  return figures.filter((figure) => (ratioToTarget(figure) ?? 0) > 1);
}

/** The `p`-th percentile (0–100) of some samples, by nearest rank. */
export function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function formatNumber(value: number): string {
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

/** A plain-text table: figure, value, target, ratio to target (✓ met, ✗ missed). */
export function formatTable(figures: BenchFigure[]): string {
  const rows = [['Figure', 'Value', 'Target', 'Ratio to target']];
  for (const figure of figures) {
    const ratio = ratioToTarget(figure);
    rows.push([
      figure.name,
      `${formatNumber(figure.value)} ${figure.unit}`,
      figure.target ? `${figure.target.better === 'lower' ? '≤' : '≥'} ${formatNumber(figure.target.value)} ${figure.unit}` : '',
      ratio === null ? '' : `${ratio.toFixed(2)} ${ratio <= 1 ? '✓' : '✗'}`,
    ]);
  }
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  const line = (row: string[]) => `| ${row.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`;
  return [line(rows[0]), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}
