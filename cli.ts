#!/usr/bin/env node
// `minflow <command>`: the one entry point of the package (npm bin, npm scripts, Docker).
import { runBackup, runServer } from './server/main.js';
import { runDemo } from './scripts/demo.js';
import { runServe } from './serving/serve.js';
import { runPredict } from './serving/predict.js';
import { runTrain } from './trainer/cli/main.js';
import { runTokens, runUsers } from './server/security/cli.js';

const COMMANDS: Record<string, { help: string; run: (argv: string[]) => Promise<void> }> = {
  server: { help: 'Start the MLflow-compatible tracking server (see `minflow server --help`).', run: runServer },
  backup: { help: "Write a consistent copy of the server's SQLite database, also while it runs (`minflow backup <dest>`).", run: runBackup },
  train: { help: 'Train the churn models, log them to a tracking server, register and promote the best.', run: runTrain },
  serve: { help: "Serve a model (models:/churn@production) over MLflow's scoring protocol, following the alias.", run: runServe },
  predict: { help: 'Score a CSV file with a model and write probability and prediction columns.', run: runPredict },
  demo: { help: 'Start a server on :5000 and train the churn models on a synthetic table against it.', run: runDemo },
  users: { help: 'Add, remove or list the users of `minflow server --auth basic`.', run: runUsers },
  tokens: { help: 'Add, remove or list bearer tokens for `minflow server --auth-tokens-file`.', run: runTokens },
};

function usage(): string {
  const lines = ['Usage: minflow <command> [options]', '', 'Commands:'];
  for (const [name, c] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(10)}${c.help}`);
  lines.push('', 'Run `minflow <command> --help` for the options of a command.');
  return lines.join('\n');
}

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${usage()}\n`);
    return;
  }
  const entry = COMMANDS[command];
  if (!entry) {
    process.stderr.write(`minflow: unknown command '${command}'\n\n${usage()}\n`);
    process.exit(2);
  }
  await entry.run(rest);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
