// SQL for search_logged_models (sqlalchemy_store._apply_filter_string_datasets_search_logged_models and
// _apply_order_by_search_logged_models), plus its page token, which — unlike the other searches' —
// carries the request and is refused when a later page asks for something else.
import { invalidParameter } from '../errors.js';
import type { CompiledQuery, FilterClause, LoggedModelOrderBy } from './ast.js';
import { parseLoggedModelFilter } from './filters/logged-models.js';
import { checkExperimentIdCount } from './filter-clauses.js';
import { parseOrderBy } from './order-by.js';
import { sqliteDialect, type Dialect } from '../store/engine/dialect.js';

export interface LoggedModelDatasetFilter {
  datasetName: string;
  datasetDigest?: string;
}

export interface LoggedModelOrderInput {
  fieldName: string;
  ascending: boolean;
  datasetName?: string;
  datasetDigest?: string;
}

export interface LoggedModelSearchRequest {
  experimentIds: string[];
  filter?: string;
  datasets: LoggedModelDatasetFilter[];
  orderBy: LoggedModelOrderInput[];
  maxResults: number;
  offset: number;
}

const COLUMNS: Record<string, string> = {
  creation_timestamp: 'creation_timestamp_ms',
  last_updated_timestamp: 'last_updated_timestamp_ms',
};
const STATUS_NUMBERS: Record<string, number> = {
  LOGGED_MODEL_STATUS_UNSPECIFIED: 0,
  UNSPECIFIED: 0,
  LOGGED_MODEL_PENDING: 1,
  PENDING: 1,
  LOGGED_MODEL_READY: 2,
  READY: 2,
  LOGGED_MODEL_UPLOAD_FAILED: 3,
  UPLOAD_FAILED: 3,
};

function column(key: string): string {
  return `m.${COLUMNS[key] ?? key}`;
}

/** `<expr> <op> ?` with MLflow's comparison semantics (ILIKE lower-cases both sides). */
function compare(expr: string, clause: FilterClause, params: (string | number | bigint)[], d: Dialect): string {
  if (clause.valueType === 'list') {
    params.push(JSON.stringify(clause.value));
    const numeric = clause.value.every((v) => typeof v === 'number');
    return `${expr} ${clause.comparator === 'IN' ? 'IN' : 'NOT IN'} ${d.jsonValues(numeric ? 'integer' : undefined)}`;
  }
  if (clause.valueType === 'null') return `${expr} ${clause.comparator}`;
  params.push(clause.value);
  if (clause.comparator === 'ILIKE') return `lower(${expr}) LIKE lower(?)`;
  return `${expr} ${clause.comparator} ?`;
}

function datasetCondition(datasets: LoggedModelDatasetFilter[], params: (string | number | bigint)[]): string {
  return `(${datasets
    .map((d) => {
      params.push(d.datasetName);
      if (d.datasetDigest === undefined) return 'mm.dataset_name = ?';
      params.push(d.datasetDigest);
      return '(mm.dataset_name = ? AND mm.dataset_digest = ?)';
    })
    .join(' OR ')})`;
}

function filterConditions(clauses: FilterClause[], datasets: LoggedModelDatasetFilter[], params: (string | number | bigint)[], d: Dialect): string[] {
  const where: string[] = [];
  let hasMetricFilter = false;
  for (const c of clauses) {
    if (c.entity === 'attribute') {
      if (c.key === 'status' && c.valueType === 'string' && c.value in STATUS_NUMBERS) {
        where.push(compare(column('status'), { ...c, valueType: 'number', comparator: c.comparator as '=' | '!=', value: STATUS_NUMBERS[c.value]! }, params, d));
      } else {
        where.push(compare(column(c.key), c, params, d));
      }
    } else if (c.entity === 'metric') {
      hasMetricFilter = true;
      params.push(c.key);
      const cond = compare('mm.metric_value', c, params, d);
      const ds = datasets.length > 0 ? ` AND ${datasetCondition(datasets, params)}` : '';
      where.push(`EXISTS (SELECT 1 FROM logged_model_metrics mm WHERE mm.model_id = m.model_id AND mm.metric_name = ? AND ${cond}${ds})`);
    } else if (c.entity === 'parameter') {
      params.push(c.key);
      where.push(`EXISTS (SELECT 1 FROM logged_model_params p WHERE p.model_id = m.model_id AND p.param_key = ? AND ${compare('p.param_value', c, params, d)})`);
    } else if (c.entity === 'tag') {
      params.push(c.key);
      where.push(`EXISTS (SELECT 1 FROM logged_model_tags t WHERE t.model_id = m.model_id AND t.tag_key = ? AND ${compare('t.tag_value', c, params, d)})`);
    }
  }
  // Datasets without a metric filter keep models that have any metric on those datasets.
  if (datasets.length > 0 && !hasMetricFilter) {
    where.push(`EXISTS (SELECT 1 FROM logged_model_metrics mm WHERE mm.model_id = m.model_id AND ${datasetCondition(datasets, params)})`);
  }
  return where;
}

function orderClauses(order: LoggedModelOrderBy[], params: (string | number | bigint)[]): string[] {
  const out: string[] = [];
  let hasCreation = false;
  let hasModelId = false;
  for (const o of order) {
    const dir = o.ascending ? 'ASC' : 'DESC';
    if (o.entity === 'attribute') {
      const col = column(o.key);
      if (col === 'm.creation_timestamp_ms') hasCreation = true;
      if (col === 'm.model_id') hasModelId = true;
      out.push(`CASE WHEN ${col} IS NULL THEN 1 ELSE 0 END ASC`, `${col} ${dir}`);
      continue;
    }
    // The latest value of the metric (by timestamp, then step), optionally on one dataset.
    const conds = ['mm.model_id = m.model_id', 'mm.metric_name = ?'];
    const args: (string | number)[] = [o.key];
    if (o.datasetName) {
      conds.push('mm.dataset_name = ?');
      args.push(o.datasetName);
    }
    if (o.datasetDigest) {
      conds.push('mm.dataset_digest = ?');
      args.push(o.datasetDigest);
    }
    const latest = `(SELECT mm.metric_value FROM logged_model_metrics mm WHERE ${conds.join(' AND ')}
                      ORDER BY mm.metric_timestamp_ms DESC, mm.metric_step DESC, mm.run_id ASC LIMIT 1)`;
    out.push(`CASE WHEN ${latest} IS NULL THEN 1 ELSE 0 END ASC`, `${latest} ${dir}`);
    params.push(...args, ...args);
  }
  if (!hasCreation) out.push('m.creation_timestamp_ms DESC');
  if (!hasModelId) out.push('m.model_id ASC');
  return out;
}

export function compileLoggedModelSearch(req: LoggedModelSearchRequest, dialect: Dialect = sqliteDialect): CompiledQuery {
  checkExperimentIdCount('SearchLoggedModels', req.experimentIds.length);
  const experimentIds = req.experimentIds.map((id) => {
    if (!/^[+-]?\d+$/.test(id.trim())) throw invalidParameter(`Invalid experiment ID '${id}'. Experiment ID must be a valid integer.`);
    return Number(id);
  });
  const clauses = parseLoggedModelFilter(req.filter);
  const order = parseOrderBy(
    'logged_models',
    req.orderBy.map((o) => ({ field_name: o.fieldName, ascending: o.ascending, dataset_name: o.datasetName, dataset_digest: o.datasetDigest })),
  );
  const whereParams: (string | number)[] = [];
  const where = [
    "m.lifecycle_stage != 'deleted'",
    `m.experiment_id IN ${dialect.jsonValues('integer')}`,
    ...filterConditions(clauses, req.datasets, whereParams, dialect),
  ];
  const orderParams: (string | number)[] = [];
  const orderBy = orderClauses(order, orderParams);
  return {
    sql: `SELECT m.model_id FROM logged_models m WHERE ${where.join(' AND ')} ORDER BY ${orderBy.join(', ')} LIMIT ? OFFSET ?`,
    params: [JSON.stringify(experimentIds), ...whereParams, ...orderParams, req.maxResults + 1, req.offset],
  };
}

/** The order_by as MLflow's token stores it (the request's dicts, None for absent fields). */
function tokenOrderBy(orderBy: LoggedModelOrderInput[]): unknown {
  if (orderBy.length === 0) return null;
  return orderBy.map((o) => ({
    field_name: o.fieldName,
    ascending: o.ascending,
    dataset_name: o.datasetName ?? null,
    dataset_digest: o.datasetDigest ?? null,
  }));
}

export function encodeLoggedModelPageToken(offset: number, experimentIds: string[], filter: string | undefined, orderBy: LoggedModelOrderInput[]): string {
  const json = JSON.stringify({ experiment_ids: experimentIds, filter_string: filter ?? null, order_by: tokenOrderBy(orderBy), offset });
  return Buffer.from(json, 'utf8').toString('base64');
}

export function decodeLoggedModelPageToken(token: string, experimentIds: string[], filter: string | undefined, orderBy: LoggedModelOrderInput[]): number {
  let parsed: { experiment_ids?: unknown; filter_string?: unknown; order_by?: unknown; offset?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as typeof parsed;
    if (parsed === null || typeof parsed !== 'object') throw new Error('not an object');
  } catch (e) {
    throw invalidParameter(`Invalid page token: ${token}. ${(e as Error).message}`);
  }
  if (JSON.stringify(parsed.experiment_ids) !== JSON.stringify(experimentIds)) {
    throw invalidParameter(
      `Experiment IDs in the page token do not match the requested experiment IDs. Expected: ${JSON.stringify(experimentIds)}. Found: ${JSON.stringify(parsed.experiment_ids)}`,
    );
  }
  if ((parsed.filter_string || null) !== (filter ?? null)) {
    throw invalidParameter(
      `Filter string in the page token does not match the requested filter string. Expected: ${filter ?? 'None'}. Found: ${String(parsed.filter_string ?? 'None')}`,
    );
  }
  if (JSON.stringify(parsed.order_by ?? null) !== JSON.stringify(tokenOrderBy(orderBy))) {
    throw invalidParameter('Order by in the page token does not match the requested order by.');
  }
  const offset = Number(parsed.offset ?? 0);
  if (!Number.isInteger(offset) || offset < 0) throw invalidParameter(`Invalid page token: ${token}.`);
  return offset;
}
