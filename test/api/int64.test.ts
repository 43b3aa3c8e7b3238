// int64 values carried exactly end to end (issue 14, item 13): JSON numbers past 2^53 and int64s sent
// as strings, stored, read back, searched, and written out as their digits, on both engines. Replies
// are checked as text: JSON.parse here would round the very digits under test. Expected answers were
// checked against the official MLflow 3.17.2 server (its SQLite store).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBackendKind } from '../helpers/backend.js';
import { createExperiment, expectError, ok, startApi, type Reply, type TestApi } from './helpers.js';

const TWO_53_PLUS_1 = '9007199254740993';
const INT64_MAX = '9223372036854775807';
const INT64_MIN = '-9223372036854775808';

let api: TestApi;
let exp: string;
beforeAll(async () => {
  api = await startApi();
  exp = await createExperiment(api);
});
afterAll(async () => {
  await api.close();
});

/** POST a body given as JSON text, so that its integer literals reach the server digit for digit. */
function postText(rpc: string, text: string): Promise<Reply<Record<string, unknown>>> {
  return api.request({ method: 'POST', url: `/api/2.0/mlflow/${rpc}`, payload: text, headers: { 'content-type': 'application/json' } });
}

async function newRun(startTime = '1700000000000'): Promise<string> {
  const res = await postText('runs/create', `{"experiment_id":"${exp}","start_time":${startTime}}`);
  return ok(res).run ? (res.json.run as { info: { run_id: string } }).info.run_id : '';
}

describe('int64 past 2^53', () => {
  it('a step of 2^53+1 and a timestamp of 2^63-1, sent as JSON numbers, come back digit for digit', async () => {
    const run = await newRun();
    ok(await postText('runs/log-metric', `{"run_id":"${run}","key":"m","value":0.5,"timestamp":${INT64_MAX},"step":${TWO_53_PLUS_1}}`));
    const point = `"timestamp":${INT64_MAX},"step":${TWO_53_PLUS_1}`;
    expect((await api.get('runs/get', { run_id: run })).body).toContain(point);
    expect((await api.get('metrics/get-history', { run_id: run, metric_key: 'm' })).body).toContain(point);
    expect((await api.get('metrics/get-history', { run_id: run, metric_key: 'm', max_results: 5 })).body).toContain(point);
    const bulk = await api.get('/ajax-api/2.0/mlflow/metrics/get-history-bulk-interval', { run_ids: run, metric_key: 'm', max_results: 10 });
    expect(bulk.body).toContain(point);
    const search = await postText('runs/search', `{"experiment_ids":["${exp}"],"filter":"attributes.run_id = '${run}'"}`);
    expect(search.body).toContain(point);
  });

  it("GraphQL (the UI's run page and charts) gives them as exact LongStrings", async () => {
    const run = await newRun(INT64_MAX);
    ok(await postText('runs/log-metric', `{"run_id":"${run}","key":"g","value":1,"timestamp":${INT64_MAX},"step":${TWO_53_PLUS_1}}`));
    const query = `{ mlflowGetRun(input: {runId: "${run}"}) { run { info { startTime } data { metrics { step timestamp } } } }
      mlflowGetMetricHistoryBulkInterval(input: {runIds: ["${run}"], metricKey: "g", maxResults: 10}) { metrics { step timestamp } } }`;
    const res = await api.request({ method: 'POST', url: '/graphql', payload: JSON.stringify({ query }), headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(200);
    const point = { step: TWO_53_PLUS_1, timestamp: INT64_MAX };
    expect(JSON.parse(res.body)).toEqual({
      data: {
        mlflowGetRun: { run: { info: { startTime: INT64_MAX }, data: { metrics: [point] } } },
        mlflowGetMetricHistoryBulkInterval: { metrics: [point] },
      },
      errors: null,
    });
  });

  it('int64s sent as strings (protobuf JSON) are taken over the whole range, in log-metric and log-batch', async () => {
    const run = await newRun();
    ok(await postText('runs/log-metric', `{"run_id":"${run}","key":"s","value":1,"timestamp":"9223372036854775806","step":"${TWO_53_PLUS_1}"}`));
    ok(await postText('runs/log-batch', `{"run_id":"${run}","metrics":[{"key":"b","value":2,"timestamp":"5","step":"${INT64_MIN}"}]}`));
    const body = (await api.get('runs/get', { run_id: run })).body;
    expect(body).toContain(`"key":"s","value":1.0,"timestamp":9223372036854775806,"step":${TWO_53_PLUS_1}`);
    expect(body).toContain(`"key":"b","value":2.0,"timestamp":5,"step":${INT64_MIN}`);
  });

  it('the latest value of a metric is chosen by exact steps: 2^53+1 is later than 2^53', async () => {
    const run = await newRun();
    ok(await postText('runs/log-batch', `{"run_id":"${run}","metrics":[{"key":"k","value":1,"timestamp":1,"step":${TWO_53_PLUS_1}},{"key":"k","value":7,"timestamp":1,"step":9007199254740992}]}`));
    expect((await api.get('runs/get', { run_id: run })).body).toContain(`"key":"k","value":1.0,"timestamp":1,"step":${TWO_53_PLUS_1}`);
  });

  it('a run started at 2^63-1 keeps its start_time; end_time as a string; both searchable by their exact value', async () => {
    const run = await newRun(INT64_MAX);
    expect((await api.get('runs/get', { run_id: run })).body).toContain(`"start_time":${INT64_MAX}`);
    const updated = await postText('runs/update', `{"run_id":"${run}","status":"FINISHED","end_time":"${TWO_53_PLUS_1}"}`);
    expect(ok(updated) && updated.body).toContain(`"end_time":${TWO_53_PLUS_1}`);
    const found = async (filter: string) => {
      const res = await postText('runs/search', JSON.stringify({ experiment_ids: [exp], filter }));
      return ok(res) && res.body.includes(run);
    };
    expect(await found(`attributes.start_time = ${INT64_MAX}`)).toBe(true);
    expect(await found('attributes.start_time = 9223372036854775806')).toBe(false);
    expect(await found('attributes.start_time > 9223372036854775806')).toBe(true);
    expect(await found(`attributes.end_time = ${TWO_53_PLUS_1}`)).toBe(true);
    expect(await found('attributes.end_time = 9007199254740992')).toBe(false);
  });

  it('past int64 is refused with MLflow error JSON, never stored rounded', async () => {
    const run = await newRun();
    for (const step of ['9223372036854775808', '"9223372036854775808"', '-9223372036854775809']) {
      const res = await postText('runs/log-metric', `{"run_id":"${run}","key":"x","value":1,"timestamp":5,"step":${step}}`);
      expectError(res, 400, 'INVALID_PARAMETER_VALUE', new RegExp(`Invalid value "?${step.replaceAll('"', '')}"? for parameter 'step' supplied`));
    }
    expect((await api.get('metrics/get-history', { run_id: run, metric_key: 'x' })).body).toBe('{}');
  });

  it('a double field takes a long integer literal as the nearest double, as Python does', async () => {
    const run = await newRun();
    ok(await postText('runs/log-metric', `{"run_id":"${run}","key":"v","value":${TWO_53_PLUS_1},"timestamp":5,"step":1}`));
    expect((await api.get('metrics/get-history', { run_id: run, metric_key: 'v' })).body).toContain('"value":9007199254740992.0,');
  });

  it('a string field given a long integer literal gets the message a short one gets, with every digit', async () => {
    const res = await postText('runs/set-tag', `{"run_id":"${await newRun()}","key":"t","value":${TWO_53_PLUS_1}}`);
    expectError(res, 400, 'INVALID_PARAMETER_VALUE', `Invalid value ${TWO_53_PLUS_1} for parameter 'value' supplied:  Hint: Value was of type 'int'. See the API docs for more information about request parameters.`);
  });

  it('an experiment id past 2^53 is looked up exactly', async () => {
    const big = '566318506401660250';
    expectError(await api.get('experiments/get', { experiment_id: big }), 404, 'RESOURCE_DOES_NOT_EXIST', `No Experiment with id=${big} exists`);
    if (testBackendKind() === 'postgres') return; // MLflow's PostgreSQL schema keeps experiment ids in int4
    // A database migrated from MLflow's file-store era holds such ids (18 digits).
    const { db } = (api.app as unknown as { store: { db: { run(sql: string, params: unknown[]): Promise<unknown> } } }).store;
    await db.run(
      `INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time) VALUES (${big}, 'legacy-ids', 'mlflow-artifacts:/${big}', 'active', ${INT64_MAX}, 1)`,
      [],
    );
    const got = await api.get('experiments/get', { experiment_id: big });
    expect(ok(got) && got.body).toContain(`"experiment_id":"${big}"`);
    expect(got.body).toContain(`"creation_time":${INT64_MAX}`);
    const created = await postText('runs/create', `{"experiment_id":"${big}"}`);
    expect(ok(created) && created.body).toContain(`"experiment_id":"${big}"`);
    const runId = (created.json.run as { info: { run_id: string } }).info.run_id;
    const search = await postText('runs/search', `{"experiment_ids":["${big}"]}`);
    expect(search.body).toContain(runId);
    const byName = await api.get('experiments/get-by-name', { experiment_name: 'legacy-ids' });
    expect(byName.body).toContain(`"experiment_id":"${big}"`);
  });
});
