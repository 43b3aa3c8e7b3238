// A blend candidate made concrete once the models it votes over are cross-validated and fitted: its
// weights (ensemble selection on the members' CV fold probabilities) and the candidate that builds it
// from those members' fitted models, so the final blend costs no refit of a forest or a boosting.
import { VotingEnsemble } from '../models/index.js';
import type { BlendMember, Candidate, ModelRunResult } from '../tracking/model-run.js';
import type { ProgressSink } from '../tracking/progress-sink.js';
import type { CrossValidator, CvResult } from './cv.js';
import { ensembleSelection } from './ensemble-selection.js';

/**
 * A blend's weights (ensemble selection on its members' CV fold probabilities; equal without CV) and
 * the candidate that builds it from its members: the trained candidates' fitted models (`final` maps a
 * candidate to its tuned form, `trained` to its run) where the training has them, fresh ones (fitted
 * by the ensemble) for the rest.
 */
export async function planBlend(
  c: Candidate,
  byKey: Map<string, Candidate>,
  final: Map<Candidate, Candidate>,
  trained: Map<Candidate, ModelRunResult>,
  validator: CrossValidator | undefined,
  progress: ProgressSink,
): Promise<{ candidate: Candidate; cv?: CvResult }> {
  const members = c.blend!;
  const supplier = (key: string) => byKey.get(key);
  const make = (m: BlendMember) => (supplier(m.key) ? final.get(supplier(m.key)!)!.make() : m.make());
  let weights: number[] | null = null;
  let result: CvResult | undefined;
  if (validator) {
    progress.phase(`cross-validating ${c.key}: ensemble selection over ${members.map((m) => m.name).join(', ')}`, validator.folds * members.length);
    const proba: Float64Array[][] = [];
    for (const m of members) proba.push(await validator.foldProba(make(m), `${c.key}/${m.name}`));
    const selection = ensembleSelection(validator, proba);
    weights = selection.weights;
    result = selection.cv;
  }
  const w = weights;
  const candidate: Candidate = {
    ...c,
    make: () =>
      new VotingEnsemble({
        members: members.map((m) => {
          const fitted = supplier(m.key) ? trained.get(supplier(m.key)!) : undefined;
          return fitted ? { name: m.name, model: fitted.classifier, prefit: true } : { name: m.name, model: make(m) };
        }),
        weights: w,
      }),
    detail: w ? `weights ${members.map((m, k) => `${m.name} ${w[k]}`).join(', ')} by ensemble selection on the CV` : 'equal weights',
  };
  return { candidate, ...(result ? { cv: result } : {}) };
}
