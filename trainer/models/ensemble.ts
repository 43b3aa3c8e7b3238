/**
 * Soft-voting ensemble (scikit-learn's VotingClassifier(voting="soft")): the weighted mean of its members'
 * probabilities. The default members are the seed's decision tree and random forest plus a logistic
 * regression, which sees the data linearly and so errs where the trees do not.
 */
import type { FeatureMatrix } from '../data/dataset.js';
import type { Classifier, ModelJSON, Params } from './classifier.js';
import { NotFittedError, thresholdProba } from './classifier.js';
import { DecisionTreeClassifier } from './decision-tree.js';
import { LogisticRegression } from './logistic-regression.js';
import { RandomForestClassifier } from './random-forest.js';

export interface EnsembleMember {
  name: string;
  model: Classifier;
  /**
   * Already fitted on the rows the ensemble is fitted on (another candidate's model of the same
   * training): fit() leaves it as it is instead of repeating the same seeded fit.
   */
  prefit?: boolean;
}

export interface VotingEnsembleOptions {
  /** Members, fitted by the ensemble. Default: dt, rf, lr with the seed's settings. */
  members?: EnsembleMember[];
  /** One weight per member; null = equal weights. */
  weights?: number[] | null;
}

export function defaultMembers(): EnsembleMember[] {
  return [
    { name: 'dt', model: new DecisionTreeClassifier() },
    { name: 'rf', model: new RandomForestClassifier() },
    { name: 'lr', model: new LogisticRegression() },
  ];
}

export class VotingEnsemble implements Classifier {
  readonly kind = 'voting_ensemble' as const;
  readonly members: EnsembleMember[];
  readonly weights: number[] | null;
  featureNames: string[] = [];
  private fittedFlag = false;

  constructor(options: VotingEnsembleOptions = {}) {
    this.members = options.members ?? defaultMembers();
    this.weights = options.weights ?? null;
    if (this.members.length === 0) throw new RangeError('an ensemble needs at least one member');
    const names = new Set(this.members.map((m) => m.name));
    if (names.size !== this.members.length) throw new RangeError('ensemble member names must be unique');
    if (this.weights !== null && (this.weights.length !== this.members.length || this.weights.some((w) => !(w >= 0)))) {
      throw new RangeError(`weights must be ${this.members.length} non-negative numbers`);
    }
  }

  private normalisedWeights(): number[] {
    const w = this.weights ?? this.members.map(() => 1);
    const sum = w.reduce((s, v) => s + v, 0);
    if (!(sum > 0)) throw new RangeError('ensemble weights sum to zero');
    return w.map((v) => v / sum);
  }

  async fit(X: FeatureMatrix, y: Uint8Array): Promise<void> {
    for (const m of this.members) if (m.prefit !== true) await m.model.fit(X, y);
    this.featureNames = [...X.featureNames];
    this.fittedFlag = true;
  }

  private fitted(): void {
    if (!this.fittedFlag) throw new NotFittedError('VotingEnsemble');
  }

  predictProba(X: FeatureMatrix): Float64Array {
    this.fitted();
    const w = this.normalisedWeights();
    const out = new Float64Array(X.nRows);
    this.members.forEach((m, k) => {
      // A member voted out by ensemble selection adds w·p = 0: skip its (forest-sized) scoring.
      if (w[k] === 0) return;
      const p = m.model.predictProba(X);
      for (let i = 0; i < X.nRows; i++) out[i] = out[i]! + w[k]! * p[i]!;
    });
    return out;
  }

  /** Each member's probabilities, by member name (for reports and stacking experiments). */
  memberProba(X: FeatureMatrix): Record<string, Float64Array> {
    this.fitted();
    return Object.fromEntries(this.members.map((m) => [m.name, m.model.predictProba(X)]));
  }

  predict(X: FeatureMatrix, threshold = 0.5): Uint8Array {
    return thresholdProba(this.predictProba(X), threshold);
  }

  /** The members' importances averaged with the voting weights. */
  featureImportances(): Float64Array {
    this.fitted();
    const w = this.normalisedWeights();
    const out = new Float64Array(this.featureNames.length);
    this.members.forEach((m, k) => {
      const imp = m.model.featureImportances();
      for (let j = 0; j < out.length; j++) out[j] = out[j]! + w[k]! * imp[j]!;
    });
    return out;
  }

  /** VotingClassifier.get_params(deep=True): its own params plus `<member>__<param>` for each member. */
  params(): Params {
    const p: Params = {
      estimators: JSON.stringify(this.members.map((m) => m.name)),
      flatten_transform: true,
      n_jobs: null,
      verbose: false,
      voting: 'soft',
      weights: this.weights === null ? null : JSON.stringify(this.weights),
    };
    for (const m of this.members) {
      p[m.name] = m.model.kind;
      for (const [k, v] of Object.entries(m.model.params())) p[`${m.name}__${k}`] = v;
    }
    return p;
  }

  toJSON(): ModelJSON {
    this.fitted();
    return {
      format: 'minflow-classifier',
      version: 1,
      kind: this.kind,
      featureNames: this.featureNames,
      params: this.params(),
      weights: this.weights,
      members: this.members.map((m) => ({ name: m.name, model: m.model.toJSON() })),
    };
  }

  static fromJSON(json: ModelJSON, loadMember: (member: ModelJSON) => Classifier): VotingEnsemble {
    if (json.kind !== 'voting_ensemble') throw new Error(`not an ensemble model file (kind ${json.kind})`);
    const members = (json['members'] as { name: string; model: ModelJSON }[]).map((m) => ({ name: m.name, model: loadMember(m.model) }));
    const ensemble = new VotingEnsemble({ members, weights: json['weights'] as number[] | null });
    ensemble.featureNames = [...json.featureNames];
    ensemble.fittedFlag = true;
    return ensemble;
  }
}
