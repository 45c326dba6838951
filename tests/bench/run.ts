/**
 * `npm run bench`: each section builds what it measures (on PostgreSQL when
 * DATABASE_URL is set, else on the embedded engine), prints its progress, and
 * the figures end in one table beside their targets. Exits non-zero when a
 * target is missed. Sections are independent: add yours to SECTIONS. Name some
 * to run only those: `npm run bench -- creneaux`.
 */
import { performance } from 'node:perf_hooks';
import { antsSection } from './ants';
import { bookingSection } from './booking';
import { creneauxSection } from './creneaux';
import { notificationsSection } from './notifications';
import { BenchFigure, BenchSection, formatTable, missedTargets } from './report';
import { startSection } from './start';
import { statisticsSection } from './statistics';

const SECTIONS: BenchSection[] = [creneauxSection, bookingSection, notificationsSection, antsSection, startSection, statisticsSection];

/** Lower case without accents: `créneaux` is asked for as `creneaux`. */
function plain(text: string): string {
  return text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
}

async function main(): Promise<void> {
  const asked = process.argv.slice(2).map(plain);
  const sections = asked.length === 0 ? SECTIONS : SECTIONS.filter((section) => asked.some((name) => plain(section.name).includes(name)));
  if (sections.length === 0) throw new Error(`No section named ${asked.join(', ')}; there are ${SECTIONS.map((section) => section.name).join(', ')}`);
  const engine = process.env.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : 'embedded PostgreSQL (PGlite)';
  console.log(`Lapin bench on ${engine}, Node ${process.version}`);
  const figures: BenchFigure[] = [];
  for (const section of sections) {
    console.log(`\n== ${section.name}`);
    const started = performance.now();
    const sectionFigures = await section.run();
    console.log(`  done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    figures.push(...sectionFigures.map((figure) => ({ ...figure, name: `${section.name}: ${figure.name}` })));
  }
  console.log(`\n${formatTable(figures)}\n`);
  const missed = missedTargets(figures);
  if (missed.length > 0) {
    console.log(`Missed targets: ${missed.map((figure) => figure.name).join('; ')}`);
    process.exitCode = 1;
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
