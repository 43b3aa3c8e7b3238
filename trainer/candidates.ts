// The models a training compares, by the short names the CLI takes. Settings are the seed's (see
// models/); only the forest size is a knob, because it dominates training and upload time.
import { DecisionTreeClassifier, HistGradientBoostingClassifier, LogisticRegression, RandomForestClassifier, VotingEnsemble } from './models/index.js';
import { gradientBoostingSpace } from './selection/tuning.js';
import type { Candidate } from './tracking/model-run.js';

export const MODEL_KEYS = ['dt', 'rf', 'lr', 'ensemble', 'gb', 'blend'] as const;
export type ModelKey = (typeof MODEL_KEYS)[number];
export const DEFAULT_MODELS: readonly ModelKey[] = ['dt', 'rf', 'gb', 'blend'];
export const DEFAULT_N_ESTIMATORS = 500;
/**
 * The models' random_state. The forest draws its trees from it; the tree uses it to break ties between
 * equally good splits, so it is set (and logged) rather than left to None, which scikit-learn would
 * seed from the clock: the seed's notebook uses 42 for both.
 */
export const DEFAULT_SEED = 42;

/** The gradient boosting's settings when it is not tuned: small steps, stopped early. */
export const GB_SETTINGS = { learningRate: 0.05, maxIter: 1000, earlyStopping: true, minSamplesLeaf: 20, maxLeafNodes: 31 } as const;

export function isModelKey(s: string): s is ModelKey {
  return (MODEL_KEYS as readonly string[]).includes(s);
}

export function candidate(key: ModelKey, nEstimators = DEFAULT_N_ESTIMATORS, seed = DEFAULT_SEED): Candidate {
  const dt = () => new DecisionTreeClassifier({ randomState: seed });
  const rf = () => new RandomForestClassifier({ nEstimators, randomState: seed });
  switch (key) {
    case 'dt':
      return { key, make: dt };
    case 'rf':
      return { key, make: rf, detail: `${nEstimators} trees` };
    case 'lr':
      return { key, make: () => new LogisticRegression() };
    case 'gb':
      return {
        key,
        // Histogram gradient boosting with early stopping on 10% of the training rows.
        make: () => new HistGradientBoostingClassifier({ ...GB_SETTINGS, randomState: seed }),
        detail: 'histogram gradient boosting, early stopping',
        // Tuned, the CV chooses the rounds too, so the trees are fitted on all rows (no early-stopping holdout).
        tune: gradientBoostingSpace(
          { learningRate: GB_SETTINGS.learningRate, maxLeafNodes: GB_SETTINGS.maxLeafNodes, minSamplesLeaf: GB_SETTINGS.minSamplesLeaf, l2Regularization: 0, maxFeatures: 1 },
          (p) => new HistGradientBoostingClassifier({ ...GB_SETTINGS, ...p, earlyStopping: false, randomState: seed }),
        ),
      };
    case 'ensemble':
      return {
        key,
        // The seed's tree and forest plus a logistic regression, soft-voted with equal weights.
        make: () =>
          new VotingEnsemble({
            members: [
              { name: 'dt', model: dt() },
              { name: 'rf', model: rf() },
              { name: 'lr', model: new LogisticRegression() },
            ],
          }),
        detail: `tree + ${nEstimators}-tree forest + logistic regression`,
      };
    case 'blend': {
      // The other models soft-voted with weights chosen on their cross-validation (ensemble selection):
      // where the forest and the boosting cross-validate within a hair of each other, their vote beats
      // both. Members trained as candidates too are reused as fitted (trainer/pipeline.ts).
      const gb = candidate('gb', nEstimators, seed);
      const members = [
        { name: 'dt', key: 'dt', make: dt },
        { name: 'rf', key: 'rf', make: rf },
        { name: 'lr', key: 'lr', make: () => new LogisticRegression() },
        { name: 'gb', key: 'gb', make: gb.make },
      ];
      return {
        key,
        make: () => new VotingEnsemble({ members: members.map((m) => ({ name: m.name, model: m.make() })) }),
        detail: `tree, ${nEstimators}-tree forest, logistic regression and gradient boosting, weighted by CV`,
        blend: members,
      };
    }
  }
}

export function candidates(keys: readonly ModelKey[], nEstimators = DEFAULT_N_ESTIMATORS, seed = DEFAULT_SEED): Candidate[] {
  return keys.map((k) => candidate(k, nEstimators, seed));
}
