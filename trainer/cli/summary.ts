// The table `minflow train` prints when it is done: each model's scores and timings, the registered
// version and what happened to @production, and where to look in the UI.
import type { TrainResult } from '../pipeline.js';
import { leakageMessage } from '../selection/leakage.js';

function num(x: number): string {
  return Number.isNaN(x) ? 'NaN' : x.toFixed(4);
}

function secs(x: number): string {
  return `${x.toFixed(2)}s`;
}

function table(header: string[], rows: string[][], rightAligned: Set<number>): string[] {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const fmt = (r: string[]) =>
    r
      .map((cell, c) => (rightAligned.has(c) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd();
  return [fmt(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(fmt)];
}

export function uiUrls(r: Pick<TrainResult, 'trackingUri' | 'experimentId' | 'parentRunId' | 'promotion'>): { run: string; version: string } {
  return {
    run: `${r.trackingUri}/#/experiments/${r.experimentId}/runs/${r.parentRunId}`,
    version: `${r.trackingUri}/#/models/${encodeURIComponent(r.promotion.modelName)}/versions/${r.promotion.version}`,
  };
}

export function formatSummary(r: TrainResult): string {
  const cv = r.selection.by === 'cv';
  const rows = r.models.map((m) => [
    m === r.best ? `${m.estimator} *` : m.estimator,
    ...(cv ? [num(m.cv?.mean ?? NaN)] : []),
    num(m.train.report.rocAuc),
    num(m.test.report.rocAuc),
    num(m.test.report.accuracy),
    num(m.test.report.f1),
    secs(m.fitSeconds),
    secs(m.logSeconds),
    m.runId,
  ]);
  const lines = [
    `Trained on ${r.train.nRows} rows, tested on ${r.test.nRows} (${r.train.featureNames.length} features, target ${r.train.target.name}=${r.train.target.positiveLabel}).`,
    '',
    ...table(
      ['Model', ...(cv ? ['CV AUC'] : []), 'train AUC', 'test AUC', 'test acc', 'test F1', 'fit', 'log+upload', 'run id'],
      rows,
      new Set(cv ? [1, 2, 3, 4, 5, 6, 7] : [1, 2, 3, 4, 5, 6]),
    ),
    cv
      ? `* best by mean ROC AUC of ${r.selection.folds}-fold cross-validation on the training rows (the test rows only report)`
      : '* best by test ROC AUC (no cross-validation: an optimistic choice)',
    '',
  ];
  for (const l of r.leakage) lines.push(`Warning: ${leakageMessage(l)}`, '');
  const p = r.promotion;
  const prev = p.previousProduction;
  lines.push(`Registered "${p.modelName}" version ${p.version} (${r.best.estimator}, models:/${r.best.modelId}) as @challenger.`);
  if (prev === null) lines.push('@production: none before.');
  else lines.push(`@production was version ${prev.version}${prev.score !== undefined ? ` (test ROC AUC ${num(prev.score)} on these rows)` : ''}.`);
  const verb = p.decision.promote ? `moved to version ${p.version}` : `stays on version ${p.production}`;
  lines.push(`Decision: ${p.decision.outcome} - @production ${verb} (${p.decision.reason}).`);
  const urls = uiUrls(r);
  lines.push('', `Runs:    ${urls.run}`, `Version: ${urls.version}`);
  lines.push(`Time:    ${secs(r.seconds.total)} in all (data ${secs(r.seconds.load)}, registry ${secs(r.seconds.register)})`);
  return lines.join('\n');
}
