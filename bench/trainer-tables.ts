// The trainer's whole training (CV model selection + gradient-boosting search within --time-budget)
// against scikit-learn's HistGradientBoosting and LightGBM tuned with the same folds and budget, on the
// same split, on abt.csv and three generated churn tables of other shapes (bench/lib/churn-tables.ts).
// Writes its section of bench/TRAINER.md (between the trainer-tables markers).
//
//   npm run build && npx tsx bench/trainer-tables.ts [--budget S] [--abt PATH]
// Needs the compat venv with lightgbm: .venv/bin/pip install -r bench/requirements-trainer.txt
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { trainChurn, type TrainResult } from '../trainer/pipeline.js';
import { writeChurnTables, type ChurnTable } from './lib/churn-tables.js';
import { ROOT, startServer, VENV_BIN } from './lib/servers.js';

const args = process.argv.slice(2);
if (args.includes('--help')) {
  process.stdout.write(
    'Usage: npx tsx bench/trainer-tables.ts [--budget S] [--abt PATH] [--tables NAMES] [--dry-run]\n' +
      '  the trainer vs tuned HistGradientBoosting and LightGBM on 4 churn tables → bench/TRAINER.md\n' +
      '  --tables abt,bank  only these tables; --dry-run  print the rows, leave TRAINER.md as it is\n' +
      '  needs .venv with lightgbm: .venv/bin/pip install -r bench/requirements-trainer.txt\n',
  );
  process.exit(0);
}
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1]! : fallback;
};
const BUDGET = Number(flag('--budget', '20'));
const ONLY = flag('--tables', '').split(',').filter((t) => t !== '');
// A subset or a trial run must not overwrite the four-table section.
const WRITE = ONLY.length === 0 && !args.includes('--dry-run');
const FOLDS = 5;
const SEED = 42;
const ABT = flag('--abt', [path.resolve(ROOT, '..', 'shared', 'data', 'abt.csv'), '/work/shared/data/abt.csv'].find((p) => fs.existsSync(p)) ?? '');
const MARK_BEGIN = '<!-- trainer-tables:begin -->';
const MARK_END = '<!-- trainer-tables:end -->';

interface Baseline {
  trials: number;
  best_params: Record<string, number>;
  cv_roc_auc: number;
  test_roc_auc: number;
  search_seconds: number;
  fit_seconds: number;
}
interface Baselines {
  n_train: number;
  n_test: number;
  positive_rate: number;
  versions: { sklearn: string; lightgbm: string };
  hgb: Baseline;
  lightgbm: Baseline;
}

const f4 = (x: number) => x.toFixed(4);

async function main(): Promise<void> {
  const install = '.venv/bin/pip install -r bench/requirements-trainer.txt';
  if (!fs.existsSync(path.join(VENV_BIN, 'python'))) throw new Error(`no .venv: python3 -m venv .venv && ${install}`);
  // Checked before the first table: otherwise the trainer runs for minutes before the baselines' script
  // fails on its import. .ci/run's venv has no lightgbm (no test needs it).
  try {
    execFileSync(path.join(VENV_BIN, 'python'), ['-c', 'import lightgbm, sklearn'], { stdio: 'pipe' });
  } catch {
    throw new Error(`.venv has no lightgbm (or scikit-learn): ${install}`);
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'minflow-trainer-tables-'));
  const tables: ChurnTable[] = [
    { name: 'abt', file: ABT, target: 'flag_churn', drop: [], describe: "the seed's table: 4,055 rows, 92 numeric features (19% blank), churn rate ≈43%" },
    ...writeChurnTables(path.join(work, 'tables')),
  ].filter((t) => ONLY.length === 0 || ONLY.includes(t.name));
  const server = await startServer('minflow', path.join(work, 'server'));
  const rows: string[] = [];
  const details: string[] = [];
  let versions = { sklearn: '', lightgbm: '' };
  try {
    for (const t of tables) {
      process.stdout.write(`[${t.name}] trainer...\n`);
      const r: TrainResult = await trainChurn({
        trackingUri: server.url,
        source: { kind: 'csv', path: t.file },
        load: { target: t.target, drop: t.drop },
        experiment: `bench-${t.name}`,
        modelName: `bench-${t.name}`,
        seed: SEED,
        cvFolds: FOLDS,
        timeBudget: BUDGET,
      });
      process.stdout.write(
        `[${t.name}] trainer picked ${r.best.estimator} in ${r.seconds.total.toFixed(1)} s: ${r.models.map((m) => `${m.key} CV ${f4(m.cv?.mean ?? NaN)} / test ${f4(m.test.report.rocAuc)}`).join('; ')}\n[${t.name}] baselines...\n`,
      );
      const out = execFileSync(path.join(VENV_BIN, 'python'), [path.join(ROOT, 'bench', 'py', 'trainer_baselines.py'), t.file, t.target, t.drop.join(','), String(BUDGET), String(FOLDS), String(SEED)], {
        encoding: 'utf8',
        maxBuffer: 16 << 20,
      });
      const b = JSON.parse(out.trim().split('\n').pop()!) as Baselines;
      versions = b.versions;
      if (b.n_train !== r.train.nRows || b.n_test !== r.test.nRows) throw new Error(`${t.name}: split sizes differ (${b.n_train}/${b.n_test} vs ${r.train.nRows}/${r.test.nRows})`);
      const ours = r.best.test.report.rocAuc;
      const bestBaseline = Math.max(b.hgb.test_roc_auc, b.lightgbm.test_roc_auc);
      const margin = ours - bestBaseline;
      rows.push(
        `| ${t.name} | ${r.train.nRows + r.test.nRows} | ${(100 * b.positive_rate).toFixed(1)}% | ${r.best.estimator} | ${f4(ours)} | ${f4(b.hgb.test_roc_auc)} | ${f4(b.lightgbm.test_roc_auc)} | ${margin >= 0 ? '+' : ''}${margin.toFixed(4)} ${margin >= -0.003 ? '✓' : '✗'} | ${r.seconds.total.toFixed(1)} s |`,
      );
      const models = r.models.map((m) => `${m.estimator} CV ${f4(m.cv?.mean ?? NaN)} / test ${f4(m.test.report.rocAuc)}`).join('; ');
      const gb = r.models.find((m) => m.key === 'gb');
      const blend = r.models.find((m) => m.key === 'blend');
      details.push(
        `- **${t.name}** (${t.describe}). Trainer: ${models}. ` +
          (gb ? `gb chose ${gb.classifier.params()['learning_rate']} learning rate, ${gb.classifier.params()['max_leaf_nodes']} leaves, min_samples_leaf ${gb.classifier.params()['min_samples_leaf']}, ${gb.classifier.params()['max_iter']} rounds. ` : '') +
          (blend ? `blend weights ${blend.classifier.params()['weights']} (dt, rf, lr, gb). ` : '') +
          `HistGradientBoosting: ${b.hgb.trials} trials, CV ${f4(b.hgb.cv_roc_auc)}, ${JSON.stringify(b.hgb.best_params)}. ` +
          `LightGBM: ${b.lightgbm.trials} trials, CV ${f4(b.lightgbm.cv_roc_auc)}, ${JSON.stringify(b.lightgbm.best_params)}.`,
      );
      process.stdout.write(`${rows[rows.length - 1]}\n`);
    }
  } finally {
    await server.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
  const section = [
    MARK_BEGIN,
    '## The trainer against tuned gradient boosting on four churn tables',
    '',
    `Generated by \`npx tsx bench/trainer-tables.ts\` on ${new Date().toISOString()} (${os.cpus()[0]?.model ?? 'cpu'}, ${os.availableParallelism()} cores, load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' / ')} at the end; other work on the machine inflates times). Each row is one split, the trainer's \`random\` split (scikit-learn's \`train_test_split(test_size=0.2, random_state=${SEED})\`). ` +
      `The trainer runs its whole training against a Minflow server (default models dt, rf, gb, blend; ${FOLDS}-fold CV of the training rows chooses the model; gb searched for ${BUDGET} s, each trial's rounds chosen by the same CV; blend = dt, rf, lr and the tuned gb soft-voted with weights from ensemble selection on their CV fold probabilities, its CV score with each fold's weights chosen on the other folds), ` +
      `and the baselines get the same folds and the same ${BUDGET} s of random search each (trial 0 their defaults; scikit-learn ${versions.sklearn} HistGradientBoostingClassifier with early stopping and native categories, LightGBM ${versions.lightgbm} LGBMClassifier on pandas categories), then a refit on all training rows. ` +
      'Test ROC AUC is of the model each one selected; the margin is the trainer\'s minus the better baseline\'s (✓ when ≥ −0.003).',
    '',
    '| Table | Rows | Churn | Trainer picked | Trainer test AUC | HGB tuned | LightGBM tuned | Margin | Trainer wall time (all of it) |',
    '|---|---:|---:|---|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    ...details,
    MARK_END,
  ].join('\n');
  if (!WRITE) {
    process.stdout.write(`${section}\n(not written: --tables or --dry-run)\n`);
    return;
  }
  const file = path.join(ROOT, 'bench', 'TRAINER.md');
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Trainer benchmark\n';
  const a = text.indexOf(MARK_BEGIN);
  const z = text.indexOf(MARK_END);
  const next = a >= 0 && z > a ? `${text.slice(0, a)}${section}${text.slice(z + MARK_END.length)}` : `${text.trimEnd()}\n\n${section}\n`;
  fs.writeFileSync(file, next);
  process.stdout.write('wrote bench/TRAINER.md (trainer-tables section)\n');
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
