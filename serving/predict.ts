// `minflow predict`: batch scoring of a CSV file with a registered (or local) model. The input is
// streamed through the trainer's CSV reader and scored in batches, so a file of any size runs in
// bounded memory; the output keeps the id columns and adds `probability` and `prediction`. The output
// file is written under a temporary name and renamed when complete, so a failed run leaves no
// half-written scores behind.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { once } from 'node:events';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { MlflowClient } from '../client/index.js';
import { readCsvRecords, type CsvRecord } from '../trainer/data/csv.js';
import { DataError } from '../trainer/data/errors.js';
import { ScoringError } from './errors.js';
import { parseFlags, trackingUriFrom, UsageError } from './flags.js';
import type { InputFrame } from './input.js';
import { defaultCacheDir, modelSource } from './loader.js';
import { describeRef, ModelUriError, parseModelUri } from './model-uri.js';
import { Progress } from './progress.js';
import { scoreFrame, type ServedModel } from './scorer.js';

export const PREDICT_HELP = `Usage: minflow predict --model <model-uri> --input FILE.csv [--output scores.csv] [options]
       npm run predict -- --model models:/churn@production --input abt.csv --output scores.csv

Scores every row of a CSV file (with a header row) and writes one output row per input row: the id
columns, then probability (P(churn)) and prediction (1 when probability > 0.5). Progress goes to stderr.

Options:
  -m, --model URI          models:/<name>@<alias>, models:/<name>/<version> or a saved model directory
  -i, --input FILE         the CSV to score ('-' for stdin)
  -o, --output FILE        where to write the scores (default: stdout)
      --keep COL,COL       input columns copied to the output (default: dt_ref,id_cliente where present)
      --tracking-uri URI   tracking server (default $MLFLOW_TRACKING_URI, else http://127.0.0.1:5000)
      --cache-dir DIR      where downloaded models are kept (default $MINFLOW_MODEL_CACHE or ~/.cache/minflow/models)
      --batch-size N       rows scored at a time (default 10000)
  -q, --quiet              no progress output
      --help               show this help`;

const FLAGS = {
  model: { type: 'string', short: 'm' },
  input: { type: 'string', short: 'i' },
  output: { type: 'string', short: 'o' },
  keep: { type: 'string' },
  'tracking-uri': { type: 'string' },
  'cache-dir': { type: 'string' },
  'batch-size': { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean' },
} as const;

export const DEFAULT_KEEP = ['dt_ref', 'id_cliente'];

export interface PredictConfig {
  modelUri: string;
  input: string;
  output: string | null;
  keep: string[] | null;
  trackingUri: string;
  cacheDir: string;
  batchSize: number;
  quiet: boolean;
}

export function parsePredictArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): PredictConfig | 'help' {
  const { values, positionals } = parseFlags(argv, FLAGS);
  if (values.help) return 'help';
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  if (!values.model) throw new UsageError('--model is required, e.g. --model models:/churn@production');
  if (!values.input) throw new UsageError('--input is required (a CSV file, or - for stdin)');
  const batchSize = values['batch-size'] === undefined ? 10_000 : Number(values['batch-size']);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new UsageError(`--batch-size must be a positive integer, got '${values['batch-size']}'`);
  const keep = values.keep === undefined ? null : values.keep.split(',').map((s) => s.trim()).filter((s) => s !== '');
  return {
    modelUri: values.model,
    input: values.input,
    output: values.output === undefined || values.output === '-' ? null : values.output,
    keep,
    trackingUri: trackingUriFrom(values['tracking-uri'], env),
    cacheDir: values['cache-dir'] ?? defaultCacheDir(env),
    batchSize,
    quiet: values.quiet ?? false,
  };
}

/** A CSV field, quoted only when it has to be. */
function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export interface ScoreCsvOptions {
  /** Columns to copy through; null = the default id columns that the input has. */
  keep: string[] | null;
  batchSize: number;
  /** Called after each batch with the bytes read so far and the rows scored. */
  onProgress?: (bytes: number, rows: number) => void;
}

async function* countBytes(source: AsyncIterable<string | Buffer>, counter: { bytes: number }): AsyncGenerator<string | Buffer> {
  for await (const chunk of source) {
    counter.bytes += chunk.length;
    yield chunk;
  }
}

async function write(out: Writable, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain');
}

/** Streams `source` (CSV text with a header) to `out` as scores; returns the number of rows scored. */
export async function scoreCsv(served: ServedModel, source: AsyncIterable<string | Buffer>, out: Writable, options: ScoreCsvOptions): Promise<number> {
  const counter = { bytes: 0 };
  let header: string[] | null = null;
  let keepIndex: number[] = [];
  let batch: CsvRecord[] = [];
  let rows = 0;

  const flush = async (): Promise<void> => {
    if (batch.length === 0 || header === null) return;
    const names = header;
    const columns = new Map<string, string[]>(names.map((n) => [n, new Array<string>(batch.length)]));
    const cols = names.map((n) => columns.get(n)!);
    for (let i = 0; i < batch.length; i++) {
      const { fields, line } = batch[i]!;
      if (fields.length !== names.length) throw new DataError('RAGGED_ROW', `${fields.length} fields, but the header has ${names.length}`, line);
      for (let j = 0; j < names.length; j++) cols[j]![i] = fields[j]!;
    }
    const lines = batch.map((r) => r.line);
    const frame: InputFrame = { columns, nRows: batch.length, textCells: true, rowName: (i) => `line ${lines[i]}` };
    const scores = scoreFrame(served, frame);
    let text = '';
    for (let i = 0; i < batch.length; i++) {
      const fields = batch[i]!.fields;
      for (const k of keepIndex) text += `${csvField(fields[k]!)},`;
      text += `${scores.probability[i]},${scores.prediction[i]}\n`;
    }
    await write(out, text);
    rows += batch.length;
    batch = [];
    options.onProgress?.(counter.bytes, rows);
  };

  for await (const records of readCsvRecords(countBytes(source, counter))) {
    for (const record of records) {
      if (header === null) {
        header = record.fields;
        const dup = header.find((h, k) => header!.indexOf(h) !== k);
        if (dup !== undefined) throw new DataError('DUPLICATE_COLUMN', `column '${dup}' appears more than once in the header`, record.line);
        const keep = options.keep ?? DEFAULT_KEEP.filter((c) => header!.includes(c));
        const absent = keep.filter((c) => !header!.includes(c));
        if (absent.length > 0) throw new UsageError(`--keep: the input has no column ${absent.map((c) => `'${c}'`).join(', ')}`);
        keepIndex = keep.map((c) => header!.indexOf(c));
        await write(out, `${[...keep, 'probability', 'prediction'].map(csvField).join(',')}\n`);
        continue;
      }
      batch.push(record);
      if (batch.length >= options.batchSize) await flush();
    }
  }
  if (header === null) throw new DataError('EMPTY_FILE', 'the input is empty: expected a header row');
  await flush();
  return rows;
}

export async function runPredict(argv: string[]): Promise<void> {
  let config: PredictConfig | 'help';
  let ref;
  try {
    config = parsePredictArgs(argv);
    if (config === 'help') {
      process.stdout.write(`${PREDICT_HELP}\n`);
      return;
    }
    ref = parseModelUri(config.modelUri);
  } catch (e) {
    if (e instanceof UsageError || e instanceof ModelUriError) {
      process.stderr.write(`minflow predict: ${e.message}\n\n${PREDICT_HELP}\n`);
      process.exit(2);
    }
    throw e;
  }
  const fail = (message: string): never => {
    process.stderr.write(`minflow predict: ${message}\n`);
    process.exit(1);
  };

  const fromStdin = config.input === '-';
  let totalBytes: number | null = null;
  if (!fromStdin) {
    try {
      totalBytes = (await fsp.stat(config.input)).size;
    } catch (e) {
      fail(`cannot read --input ${config.input}: ${(e as Error).message}`);
    }
  }

  const source = modelSource(ref, new MlflowClient(config.trackingUri), config.cacheDir);
  let served: ServedModel;
  try {
    served = await source.load(await source.resolve());
  } catch (e) {
    return fail(`could not load ${describeRef(ref)}${ref.kind === 'local' ? '' : ` from ${config.trackingUri}`}: ${(e as Error).message}`);
  }
  const id = served.identity;
  if (!config.quiet) {
    process.stderr.write(`model ${id.name ? `${id.name} version ${id.version}` : id.source} (${config.modelUri})\n`);
  }

  const target = config.output;
  const partial = target === null ? null : path.join(path.dirname(target), `.${path.basename(target)}.partial-${process.pid}`);
  const out: Writable = partial === null ? process.stdout : fs.createWriteStream(partial);
  const progress = new Progress(process.stderr, totalBytes, !config.quiet);
  const input = fromStdin ? process.stdin : fs.createReadStream(config.input);
  try {
    const rows = await scoreCsv(served, input, out, {
      keep: config.keep,
      batchSize: config.batchSize,
      onProgress: (bytes, n) => progress.update(bytes, n),
    });
    if (partial !== null) {
      out.end();
      await once(out, 'finish');
      await fsp.rename(partial, target!);
    }
    progress.done(rows, target ?? 'stdout');
  } catch (e) {
    if (partial !== null) {
      // Writes may still be queued: swallow their errors, let the file close, then remove it.
      out.on('error', () => {});
      const closed = new Promise((resolve) => out.once('close', resolve));
      out.destroy();
      await closed;
      await fsp.rm(partial, { force: true });
    }
    if (e instanceof ScoringError || e instanceof DataError || e instanceof UsageError) fail(`${config.input}: ${e.message}`);
    throw e;
  }
}
