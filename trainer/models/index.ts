/** Public surface of the learners. */
export type { Classifier, ModelJSON, ModelJSONHeader, ModelKind, ParamValue, Params } from './classifier.js';
export { NotFittedError, paramsAsStrings } from './classifier.js';
export { DecisionTreeClassifier, DECISION_TREE_DEFAULTS } from './decision-tree.js';
export { RandomForestClassifier, RANDOM_FOREST_DEFAULTS } from './random-forest.js';
export type { RandomForestOptions } from './random-forest.js';
export { LogisticRegression } from './logistic-regression.js';
export type { LogisticRegressionOptions } from './logistic-regression.js';
export { VotingEnsemble, defaultMembers } from './ensemble.js';
export type { EnsembleMember, VotingEnsembleOptions } from './ensemble.js';
export { HistGradientBoostingClassifier, GRADIENT_BOOSTING_DEFAULTS } from './gradient-boosting.js';
export type { GradientBoostingOptions } from './gradient-boosting.js';
export { loadClassifier } from './load.js';
export type { MaxFeatures, TreeOptions } from './tree-params.js';
export type { Criterion } from './criterion.js';
