/**
 * A deterministic stand-in for the seed's abt.csv (which cannot ship): same 95 columns, same meaning.
 *
 * It simulates customers of a points/loyalty programme day by day — each has an activity rate, a
 * lifetime, and activity that fades in the weeks before they leave — then takes snapshots every two
 * weeks. A snapshot row describes the customer's history up to `dt_ref` in four windows (life, 7, 14,
 * 28 days) and `flag_churn` = 1 when the customer has no activity in the 28 days after `dt_ref`. So the
 * nulls are structural (no activity in a `_d7`/`_d14` window, or fewer than two active days for the
 * recurrence metrics) and the signal is real: recent activity predicts future activity.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Dataset } from './dataset.js';
import { parseDataset } from './dataset.js';
import { RandomState } from './random.js';

const METRICS = [
  'dias_primeira_iteracao', 'dias_ultima_iteracao', 'qtd_iteracoes', 'saldo_atual', 'pontos_acum',
  'pontos_neg', 'frequencia', 'pontos_acum_dia', 'qtd_mensagens', 'qtd_resgate_poneis', 'mensagens_dia',
  'pct_transacao_dia01', 'pct_transacao_dia02', 'pct_transacao_dia03', 'pct_transacao_dia04',
  'pct_transacao_dia05', 'pct_transacao_dia06', 'pct_transacao_dia07', 'pct_transacao_manha',
  'pct_transacao_tarde', 'pct_transacao_noite', 'media_dias_recorrencia', 'mediana_dias_recorrencia',
] as const;
const WINDOWS = [['life', Infinity], ['d7', 7], ['d14', 14], ['d28', 28]] as const;

/** The seed's header: dt_ref, id_cliente, 23 metrics × 4 windows, flag_churn. */
export const ABT_COLUMNS: readonly string[] = [
  'dt_ref',
  'id_cliente',
  ...WINDOWS.flatMap(([w]) => METRICS.map((m) => `${m}_${w}`)),
  'flag_churn',
];

export type Cell = string | number | null;
export interface AbtTable {
  header: readonly string[];
  rows: Cell[][];
}

const EPOCH = Date.UTC(2024, 0, 1); // day 0
const FIRST_SNAPSHOT = 91; // 2024-04-01
const LAST_SNAPSHOT = 315; // 2024-11-11
const SNAPSHOT_EVERY = 14;
const CHURN_HORIZON = 28;
const MAX_ROWS_PER_CUSTOMER = 9;

function isoDate(day: number): string {
  return new Date(EPOCH + day * 86_400_000).toISOString().slice(0, 10);
}

function normal(rng: RandomState): number {
  // Box-Muller; 1 - u keeps log() away from 0.
  return Math.sqrt(-2 * Math.log(1 - rng.random())) * Math.cos(2 * Math.PI * rng.random());
}

function poisson(rng: RandomState, lambda: number): number {
  if (lambda > 30) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * normal(rng)));
  const limit = Math.exp(-lambda);
  let k = 0;
  let p = rng.random();
  while (p > limit) {
    k++;
    p *= rng.random();
  }
  return k;
}

function uuid(rng: RandomState): string {
  const hex = (digits: number): string => {
    let s = '';
    for (let i = 0; i < digits; i++) s += rng.interval(15).toString(16);
    return s;
  };
  return `${hex(8)}-${hex(4)}-4${hex(3)}-${(8 + rng.interval(3)).toString(16)}${hex(3)}-${hex(12)}`;
}

/** One active day of a customer. */
interface Activity {
  day: number;
  tx: number;
  morning: number;
  messages: number;
  points: number;
  redeemed: number;
}

function simulateCustomer(rng: RandomState): Activity[] {
  const start = Math.floor(rng.random() * (LAST_SNAPSHOT + 120)) - 120;
  // Mixture: many short-lived customers, a loyal core that stays for months.
  const lifetime = rng.random() < 0.08 ? 120 + rng.random() * 300 : 5 + (-Math.log(1 - rng.random()) * 30);
  const stop = start + lifetime;
  const rate = 0.04 + 0.55 * rng.random() ** 2;
  const txPerDay = Math.min(200, Math.exp(0.3 + 1.1 * normal(rng)));
  const morningShare = rng.random() < 0.6 ? 1 : rng.random();
  const days: Activity[] = [];
  for (let day = Math.max(start, 0); day < Math.min(stop, LAST_SNAPSHOT + CHURN_HORIZON + 1); day++) {
    // Activity fades over the last 45 days before a customer leaves: the signal a model can learn.
    const fade = Math.min(1, 0.15 + (stop - day) / 45);
    if (rng.random() >= rate * fade) continue;
    const tx = 1 + poisson(rng, txPerDay);
    let morning = 0;
    for (let t = 0; t < tx && t < 50; t++) if (rng.random() < morningShare) morning++;
    if (tx > 50) morning = Math.round((morning / 50) * tx);
    const messages = Math.max(0, tx - poisson(rng, 0.2 * tx));
    const redeemed = rng.random() < 0.03 ? 1 : 0;
    days.push({ day, tx, morning, messages, points: tx * 10 + poisson(rng, 2), redeemed });
  }
  return days;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function windowFeatures(acts: Activity[], ref: number): Cell[] {
  if (acts.length === 0) return METRICS.map(() => null);
  let tx = 0, morning = 0, messages = 0, points = 0, redeemed = 0;
  const weekday = [0, 0, 0, 0, 0, 0, 0];
  for (const a of acts) {
    tx += a.tx;
    morning += a.morning;
    messages += a.messages;
    points += a.points;
    redeemed += a.redeemed;
    weekday[new Date(EPOCH + a.day * 86_400_000).getUTCDay()]! += a.tx;
  }
  const negative = -1000 * redeemed;
  const freq = acts.length;
  const gaps: number[] = [];
  for (let k = 1; k < acts.length; k++) gaps.push(acts[k]!.day - acts[k - 1]!.day);
  return [
    ref - acts[0]!.day,
    ref - acts[acts.length - 1]!.day,
    tx,
    points + negative,
    points,
    negative,
    freq,
    points / freq,
    messages,
    redeemed,
    messages / freq,
    ...weekday.map((w) => w / tx),
    morning / tx,
    (tx - morning) / tx,
    0, // the seed's pct_transacao_noite_* is always 0 or null
    gaps.length === 0 ? null : gaps.reduce((s, g) => s + g, 0) / gaps.length,
    gaps.length === 0 ? null : median(gaps),
  ];
}

function customerRows(rng: RandomState, id: string, acts: Activity[]): Cell[][] {
  const refs: number[] = [];
  for (let ref = FIRST_SNAPSHOT; ref <= LAST_SNAPSHOT; ref += SNAPSHOT_EVERY) {
    // The base table holds customers active in the 28 days before the snapshot.
    if (acts.some((a) => a.day < ref && a.day >= ref - 28)) refs.push(ref);
  }
  while (refs.length > MAX_ROWS_PER_CUSTOMER) refs.splice(rng.interval(refs.length - 1), 1);
  return refs.map((ref) => {
    const row: Cell[] = [isoDate(ref), id];
    for (const [, width] of WINDOWS) {
      row.push(...windowFeatures(acts.filter((a) => a.day < ref && a.day >= ref - width), ref));
    }
    const churn = acts.some((a) => a.day >= ref && a.day < ref + CHURN_HORIZON) ? 0 : 1;
    row.push(churn);
    return row;
  });
}

/** `n` snapshot rows in the abt layout, the same for the same seed. */
export function generateSyntheticAbt(n: number, seed = 42): AbtTable {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`n must be a positive integer, got ${n}`);
  const rng = new RandomState(seed);
  const rows: Cell[][] = [];
  while (rows.length < n) {
    const id = uuid(rng);
    rows.push(...customerRows(rng, id, simulateCustomer(rng)));
  }
  rows.length = n;
  // Like the seed's file: grouped by customer, so a customer's rows sit together.
  rows.sort((a, b) => (a[1]! < b[1]! ? -1 : a[1]! > b[1]! ? 1 : (a[0] as string) < (b[0] as string) ? -1 : 1));
  return { header: ABT_COLUMNS, rows };
}

function formatCell(v: Cell): string {
  return v === null ? 'null' : String(v);
}

/** CSV text with the seed's conventions (`null` for missing, no quoting needed). */
export function abtToCsv(table: AbtTable): string {
  const lines = [table.header.join(',')];
  for (const row of table.rows) lines.push(row.map(formatCell).join(','));
  return `${lines.join('\n')}\n`;
}

/** Writes the table as CSV without building the whole text in memory. */
export async function writeAbtCsv(table: AbtTable, path: string): Promise<void> {
  const out = createWriteStream(path);
  const write = async (line: string): Promise<void> => {
    if (!out.write(line)) await once(out, 'drain');
  };
  await write(`${table.header.join(',')}\n`);
  for (const row of table.rows) await write(`${row.map(formatCell).join(',')}\n`);
  out.end();
  await once(out, 'finish');
}

/** The synthetic table loaded as a dataset (through the same CSV path as a real file). */
export function syntheticAbtDataset(n: number, seed = 42): Dataset {
  return parseDataset(abtToCsv(generateSyntheticAbt(n, seed)));
}
