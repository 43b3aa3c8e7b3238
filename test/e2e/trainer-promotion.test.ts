// Champion/challenger against a real server: the first model becomes @production; a worse model (a
// depth-1 tree) or one that cannot clear --min-improvement only takes @challenger; a better one takes
// @production. The registered model, fetched back through the registry and loaded, scores exactly as
// the model did in memory.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MlflowClient } from '../../client/index.js';
import { candidate } from '../../trainer/candidates.js';
import { DecisionTreeClassifier } from '../../trainer/models/index.js';
import { trainChurn, type TrainResult } from '../../trainer/pipeline.js';
import { downloadModelVersion, encodeForModel, loadAliasedModel } from '../../trainer/promotion/production-model.js';
import { ABT_CSV, tempDir } from '../helpers/paths.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';
import { Rest, runTrainCli } from './trainer-helpers.js';

const TREES = 50;
let server: ServerProcess;
let rest: Rest;
let first: TrainResult;

const train = (candidates: Parameters<typeof trainChurn>[0]['candidates'], extra: Partial<Parameters<typeof trainChurn>[0]> = {}) =>
  trainChurn({ trackingUri: server.url, source: { kind: 'csv', path: ABT_CSV }, candidates, sourceName: 'test/e2e/trainer-promotion.test.ts', ...extra });

async function versionTags(version: string): Promise<Record<string, string>> {
  const { model_version: mv } = await rest.get<{ model_version: { tags?: { key: string; value: string }[] } }>('/model-versions/get', { name: 'churn', version });
  return Object.fromEntries((mv.tags ?? []).map((t) => [t.key, t.value]));
}

beforeAll(async () => {
  if (!fs.existsSync(ABT_CSV)) throw new Error(`${ABT_CSV} is missing: the seed's table must sit in ../shared/data/abt.csv`);
  server = await startServer();
  rest = new Rest(server.url);
  first = await train([candidate('rf', TREES)]);
}, 300_000);

afterAll(async () => {
  await server?.stop();
});

describe('promotion', () => {
  it('makes the first registered model @production and @challenger', async () => {
    expect(first.promotion).toMatchObject({ version: '1', production: '1', previousProduction: null, decision: { outcome: 'first' } });
    expect(await rest.aliasVersion('churn', 'production')).toBe('1');
    expect(await rest.aliasVersion('churn', 'challenger')).toBe('1');
  });

  it('loads the registered model back with the same probabilities as the in-memory model', async () => {
    const client = new MlflowClient(server.url);
    const dir = tempDir('registry-model');
    const loaded = await downloadModelVersion(client, 'churn', '1', dir);
    const expected = first.best.classifier.predictProba(first.test);
    const got = loaded.classifier.predictProba(encodeForModel(first.test, loaded.features));
    expect(got).toHaveLength(811);
    expect(Array.from(got)).toEqual(Array.from(expected));
    expect(loaded.mlmodel.model_id).toBe(first.best.modelId);
    // The same through the alias, as the scoring server resolves models:/churn@production.
    const viaAlias = await loadAliasedModel(client, 'churn', 'production');
    expect(viaAlias!.version.version).toBe('1');
    expect(Array.from(viaAlias!.model.classifier.predictProba(first.test))).toEqual(Array.from(expected));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('moves only @challenger when the new model is worse (a depth-1 tree)', async () => {
    const weak = await train([{ key: 'stump', make: () => new DecisionTreeClassifier({ maxDepth: 1 }) }]);
    expect(weak.best.test.report.rocAuc).toBeLessThan(first.best.test.report.rocAuc);
    expect(weak.promotion).toMatchObject({ version: '2', production: '1', decision: { promote: false, outcome: 'kept' } });
    // The production model was scored after a download, on the same 811 test rows: same score as in memory.
    expect(weak.promotion.previousProduction).toEqual({ version: '1', score: first.best.test.report.rocAuc });
    expect(await rest.aliasVersion('churn', 'production')).toBe('1');
    expect(await rest.aliasVersion('churn', 'challenger')).toBe('2');
    const tags = await versionTags('2');
    expect(tags).toMatchObject({ promotion_decision: 'kept', champion_version: '1', estimator_name: 'DecisionTreeClassifier' });
    expect(Number(tags.champion_test_roc_auc)).toBeCloseTo(first.best.test.report.rocAuc, 6);
    expect(Number(tags.challenger_test_roc_auc)).toBeCloseTo(weak.best.test.report.rocAuc, 6);
    expect(tags.promotion_reason).toContain('not better');
  });

  it('keeps @production when the challenger cannot clear --min-improvement 1 (CLI)', async () => {
    const r = await runTrainCli(['--data', ABT_CSV, '--models', 'ensemble', '--n-estimators', String(TREES), '--min-improvement', '1', '--tracking-uri', server.url]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Registered "churn" version 3');
    expect(r.stdout).toContain('@production stays on version 1');
    expect(await rest.aliasVersion('churn', 'production')).toBe('1');
    expect(await rest.aliasVersion('churn', 'challenger')).toBe('3');
    const tags = await versionTags('3');
    expect(tags).toMatchObject({ promotion_decision: 'kept', min_improvement: '1', champion_version: '1' });
    // The ensemble is in fact better: only the required margin held it back.
    expect(Number(tags.challenger_test_roc_auc)).toBeGreaterThan(Number(tags.champion_test_roc_auc));
    expect(tags.promotion_reason).toContain('less than the required 1.0000');
  });

  it('moves @production to a better challenger', async () => {
    const better = await train([candidate('ensemble', TREES)]);
    expect(better.promotion).toMatchObject({ version: '4', production: '4', decision: { promote: true, outcome: 'promoted' } });
    expect(better.promotion.decision.delta).toBeGreaterThan(0);
    expect(await rest.aliasVersion('churn', 'production')).toBe('4');
    expect(await rest.aliasVersion('churn', 'challenger')).toBe('4');
    expect((await versionTags('4')).promotion_decision).toBe('promoted');
  });
});
