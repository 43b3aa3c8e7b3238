// Registers the best model of a training as a new version, makes it `@challenger`, scores the current
// `@production` on the same test rows, and moves `@production` only when decidePromotion says so. The
// scores and the decision are written on the version as tags, so the registry explains itself.
import type { MlflowClient } from '../../client/index.js';
import type { Dataset } from '../data/index.js';
import type { ProgressSink } from '../tracking/progress-sink.js';
import { decidePromotion, type Decision, type ProductionScore } from './decision.js';
import { loadAliasedModel, scoreLoadedModel } from './production-model.js';

export const CHALLENGER = 'challenger';
export const PRODUCTION = 'production';

export interface RegisterOptions {
  modelName: string;
  modelId: string;
  estimator: string;
  /** The challenger's test ROC AUC (computed in memory on `test`). */
  challengerScore: number;
  test: Dataset;
  minImprovement: number;
  progress?: ProgressSink;
}

export interface Promotion {
  modelName: string;
  version: string;
  /** `@production` before this training (null: there was none). */
  previousProduction: ProductionScore | null;
  /** The version holding `@production` afterwards. */
  production: string;
  decision: Decision;
}

async function scoreProduction(client: MlflowClient, o: RegisterOptions): Promise<ProductionScore | null> {
  let version: string | undefined;
  try {
    const current = await loadAliasedModel(client, o.modelName, PRODUCTION);
    if (current === null) return null;
    version = current.version.version;
    return { version, score: scoreLoadedModel(current.model, o.test).rocAuc };
  } catch (e) {
    // Only a failure after the alias resolved is about the model; anything earlier (server down, auth)
    // is not something to decide on.
    if (version === undefined) throw e;
    return { version, error: (e as Error).message };
  }
}

function fmt(x: number | undefined): string {
  return x === undefined ? '' : Number.isNaN(x) ? 'NaN' : x.toFixed(6);
}

export async function registerAndPromote(client: MlflowClient, o: RegisterOptions): Promise<Promotion> {
  o.progress?.phase(`registering ${o.estimator} as a new version of "${o.modelName}"`, 1);
  await client.registry.ensureRegisteredModel(o.modelName);
  // As mlflow.register_model("models:/<model_id>", name): source is the logged model, run_id is
  // filled by the server from the model's source run.
  const mv = await client.registry.createModelVersion(o.modelName, `models:/${o.modelId}`, {
    modelId: o.modelId,
    description: `${o.estimator}, test ROC AUC ${fmt(o.challengerScore)}`,
  });
  const version = mv.version;
  await client.registry.setRegisteredModelAlias(o.modelName, CHALLENGER, version);
  o.progress?.advance(1);

  o.progress?.phase(`scoring @${PRODUCTION} on the test rows`, 1);
  const previous = await scoreProduction(client, o);
  const decision = decidePromotion({ challengerScore: o.challengerScore, production: previous, minImprovement: o.minImprovement });
  if (decision.promote) await client.registry.setRegisteredModelAlias(o.modelName, PRODUCTION, version);
  o.progress?.advance(1);

  const tags: Record<string, string> = {
    estimator_name: o.estimator,
    challenger_test_roc_auc: fmt(o.challengerScore),
    min_improvement: String(o.minImprovement),
    promotion_decision: decision.outcome,
    promotion_reason: decision.reason,
  };
  if (previous) {
    tags.champion_version = previous.version;
    if (previous.score !== undefined) tags.champion_test_roc_auc = fmt(previous.score);
  }
  for (const [key, value] of Object.entries(tags)) await client.registry.setModelVersionTag(o.modelName, version, key, value);
  return {
    modelName: o.modelName,
    version,
    previousProduction: previous,
    production: decision.promote ? version : previous!.version,
    decision,
  };
}
