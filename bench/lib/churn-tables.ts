// Churn tables of other shapes than abt.csv, generated (seeded) for bench/trainer-tables.ts: a heavily
// imbalanced telecom-usage table, a 10,000-row bank table, and a subscription table with text columns,
// blanks and Yes/No values. Each has a target that depends on its columns non-linearly (interactions,
// thresholds, missingness), so a model family's fit shows.
import fs from 'node:fs';
import path from 'node:path';

export interface ChurnTable {
  name: string;
  file: string;
  target: string;
  /** Id columns that are not features. */
  drop: string[];
  describe: string;
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    // xorshift32
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

function normal(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

function write(file: string, header: string[], rows: (string | number)[][]): void {
  fs.writeFileSync(file, `${[header.join(','), ...rows.map((r) => r.join(','))].join('\n')}\n`);
}

/** Telecom usage: 20,000 rows, ~4% churn, usage minutes/charges, support calls, a 50-value state. */
function telecom(dir: string): ChurnTable {
  const r = rng(101);
  const states = Array.from({ length: 50 }, (_, i) => `S${String(i).padStart(2, '0')}`);
  const stateRisk = states.map(() => normal(r) * 0.4);
  const rows: (string | number)[][] = [];
  for (let i = 0; i < 20000; i++) {
    const s = Math.floor(r() * states.length);
    const tenure = Math.floor(r() * 240);
    const intl = r() < 0.1 ? 'yes' : 'no';
    const vmail = r() < 0.27 ? 'yes' : 'no';
    const dayMin = Math.max(0, 180 + 55 * normal(r));
    const eveMin = Math.max(0, 200 + 50 * normal(r));
    const nightMin = Math.max(0, 200 + 50 * normal(r));
    const intlMin = Math.max(0, 10 + 2.8 * normal(r));
    const calls = Math.min(9, Math.floor(-Math.log(1 - r()) * 1.5));
    const dataGb = r() < 0.15 ? '' : Math.max(0, 4 + 3 * normal(r)).toFixed(2);
    const z =
      -4.2 +
      (dayMin > 260 ? 2.4 + (dayMin - 260) / 25 : 0) +
      (calls >= 4 ? 1.6 + 0.5 * (calls - 4) : 0) +
      (intl === 'yes' ? 1.1 + (intlMin > 13 ? 1.4 : 0) : 0) -
      (vmail === 'yes' ? 0.8 : 0) +
      stateRisk[s]! +
      (eveMin > 280 ? 0.7 : 0) +
      (dataGb === '' ? 0.5 : 0) -
      tenure / 300;
    const churn = r() < sigmoid(z) ? 1 : 0;
    rows.push([`T${i}`, states[s]!, tenure, intl, vmail, dayMin.toFixed(1), eveMin.toFixed(1), nightMin.toFixed(1), intlMin.toFixed(1), calls, dataGb, churn]);
  }
  const file = path.join(dir, 'telecom_usage.csv');
  write(file, ['customer', 'state', 'tenure_days', 'intl_plan', 'voice_mail_plan', 'day_minutes', 'eve_minutes', 'night_minutes', 'intl_minutes', 'service_calls', 'data_gb', 'churn'], rows);
  return { name: 'telecom_usage', file, target: 'churn', drop: ['customer'], describe: '20,000 rows, 10 features (2 text, 1 with 15% blanks), 50-value state, churn rate ≈4%' };
}

/** Bank: 10,000 rows, ~20% churn, geography/gender text, balance with many zeros, products 1–4. */
function bank(dir: string): ChurnTable {
  const r = rng(202);
  const geos = ['France', 'Germany', 'Spain'];
  const rows: (string | number)[][] = [];
  for (let i = 0; i < 10000; i++) {
    const geo = geos[r() < 0.5 ? 0 : r() < 0.5 ? 1 : 2]!;
    const female = r() < 0.45;
    const age = Math.round(Math.min(92, Math.max(18, 38 + 10 * normal(r) + (r() < 0.1 ? 15 : 0))));
    const tenure = Math.floor(r() * 11);
    const balance = r() < 0.36 ? 0 : Math.max(0, 120000 + 30000 * normal(r));
    const products = r() < 0.5 ? 1 : r() < 0.92 ? 2 : r() < 0.8 ? 3 : 4;
    const card = r() < 0.7 ? 1 : 0;
    const active = r() < 0.51 ? 1 : 0;
    const salary = r() * 200000;
    const score = Math.round(Math.min(850, Math.max(350, 650 + 97 * normal(r))));
    const z =
      -2.2 +
      0.07 * (age - 40) * (age > 40 ? 1.6 : 0.6) +
      (geo === 'Germany' ? 0.75 : 0) +
      (female ? 0.5 : 0) -
      (active ? 0.9 : 0) +
      (products === 1 ? 0.3 : products === 2 ? -1.2 : 2.8) +
      (balance > 0 && products === 1 ? 0.4 : 0) -
      (score - 650) / 700 +
      (active === 0 && age > 50 ? 0.9 : 0);
    const churn = r() < sigmoid(z) ? 1 : 0;
    rows.push([15600000 + i, score, geo, female ? 'Female' : 'Male', age, tenure, balance.toFixed(2), products, card, active, salary.toFixed(2), churn]);
  }
  const file = path.join(dir, 'bank.csv');
  write(file, ['customer_id', 'credit_score', 'geography', 'gender', 'age', 'tenure', 'balance', 'num_products', 'has_card', 'is_active', 'salary', 'exited'], rows);
  return { name: 'bank', file, target: 'exited', drop: ['customer_id'], describe: '10,000 rows, 10 features (2 text), balance 36% zeros, churn rate ≈20%' };
}

/** Subscription (telco-like): 7,000 rows, ~20% churn, text contract/payment/internet, Yes/No columns, blank totals. */
function subscription(dir: string): ChurnTable {
  const r = rng(303);
  const contracts = ['Month-to-month', 'One year', 'Two year'];
  const payments = ['Electronic check', 'Mailed check', 'Bank transfer', 'Credit card'];
  const internets = ['DSL', 'Fiber optic', 'No'];
  const rows: (string | number)[][] = [];
  for (let i = 0; i < 7000; i++) {
    const contract = contracts[r() < 0.55 ? 0 : r() < 0.5 ? 1 : 2]!;
    const payment = payments[Math.floor(r() * 4)]!;
    const internet = internets[r() < 0.34 ? 0 : r() < 0.66 ? 1 : 2]!;
    const senior = r() < 0.16 ? 'Yes' : 'No';
    const partner = r() < 0.48 ? 'Yes' : 'No';
    const tech = internet === 'No' ? 'No internet service' : r() < 0.3 ? 'Yes' : 'No';
    const tenure = contract === 'Month-to-month' ? Math.floor(r() * 40) : Math.floor(r() * 72);
    const monthly = 20 + (internet === 'Fiber optic' ? 55 : internet === 'DSL' ? 30 : 0) + r() * 25;
    const total = tenure === 0 || r() < 0.02 ? ' ' : (monthly * tenure * (0.9 + r() * 0.2)).toFixed(2);
    const z =
      -1.1 +
      (contract === 'Month-to-month' ? 1.4 : contract === 'One year' ? -0.3 : -1.6) +
      (internet === 'Fiber optic' ? 0.9 : internet === 'No' ? -0.8 : 0) +
      (payment === 'Electronic check' ? 0.6 : 0) +
      (tech === 'Yes' ? -0.6 : 0) +
      (senior === 'Yes' ? 0.35 : 0) -
      (partner === 'Yes' ? 0.2 : 0) -
      Math.log1p(tenure) * 0.55 +
      (internet === 'Fiber optic' && tenure < 6 ? 0.8 : 0) +
      (monthly > 90 ? 0.4 : 0);
    const churn = r() < sigmoid(z) ? 'Yes' : 'No';
    rows.push([`${1000 + i}-SUB`, senior, partner, tenure, internet, tech, contract, payment, monthly.toFixed(2), total, churn]);
  }
  const file = path.join(dir, 'subscription.csv');
  write(file, ['customerID', 'SeniorCitizen', 'Partner', 'tenure', 'InternetService', 'TechSupport', 'Contract', 'PaymentMethod', 'MonthlyCharges', 'TotalCharges', 'Churn'], rows);
  return { name: 'subscription', file, target: 'Churn', drop: ['customerID'], describe: '7,000 rows, 9 features (6 text, Yes/No target), TotalCharges blank for new customers, churn rate ≈20%' };
}

export function writeChurnTables(dir: string): ChurnTable[] {
  fs.mkdirSync(dir, { recursive: true });
  return [telecom(dir), bank(dir), subscription(dir)];
}
