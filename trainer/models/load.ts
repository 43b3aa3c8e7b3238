/** Model file → fitted classifier, whatever its kind (what the scoring server calls). */
import type { Classifier, ModelJSON } from './classifier.js';
import { DecisionTreeClassifier } from './decision-tree.js';
import { VotingEnsemble } from './ensemble.js';
import { HistGradientBoostingClassifier } from './gradient-boosting.js';
import { LogisticRegression } from './logistic-regression.js';
import { RandomForestClassifier } from './random-forest.js';

export function loadClassifier(json: ModelJSON | string): Classifier {
  const m = (typeof json === 'string' ? JSON.parse(json) : json) as ModelJSON;
  if (m === null || typeof m !== 'object' || m.format !== 'minflow-classifier') {
    throw new Error('not a minflow model file (expected format "minflow-classifier")');
  }
  if (m.version !== 1) throw new Error(`unsupported model file version ${String(m.version)}`);
  switch (m.kind) {
    case 'decision_tree':
      return DecisionTreeClassifier.fromJSON(m);
    case 'random_forest':
      return RandomForestClassifier.fromJSON(m);
    case 'logistic_regression':
      return LogisticRegression.fromJSON(m);
    case 'gradient_boosting':
      return HistGradientBoostingClassifier.fromJSON(m);
    case 'voting_ensemble':
      return VotingEnsemble.fromJSON(m, loadClassifier);
    default:
      throw new Error(`unknown model kind "${String((m as { kind: unknown }).kind)}"`);
  }
}
