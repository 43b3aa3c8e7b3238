// Summarises a V8 .cpuprofile (node --cpu-prof; `npm run bench -- --profile ...` writes one for
// Minflow): the functions with the most self time, and the Minflow functions with the most inclusive
// time, in % of samples.
//
//   node --import tsx bench/profile-summary.ts test-results/bench-profile/<file>.cpuprofile [--top 30]
import fs from 'node:fs';
import path from 'node:path';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: Node[];
}

function label(n: Node): string {
  const url = n.callFrame.url.replace(/^file:\/\//, '');
  const short = url.includes('node_modules') ? url.slice(url.lastIndexOf('node_modules') + 13) : url.includes('/dist/') ? url.slice(url.indexOf('/dist/') + 6) : url;
  return `${n.callFrame.functionName || '(anonymous)'} ${short ? `${path.basename(short) === short ? short : short}:${n.callFrame.lineNumber + 1}` : ''}`.trim();
}

function main(): void {
  const args = process.argv.slice(2);
  const usage = 'usage: node --import tsx bench/profile-summary.ts <file.cpuprofile> [--top N]';
  if (args.includes('--help') || args.includes('-h')) {
    console.log(`${usage}\n  the functions with the most self time, and Minflow's with the most inclusive time`);
    return;
  }
  const topIndex = args.indexOf('--top');
  const file = args.find((a, i) => !a.startsWith('--') && !(topIndex >= 0 && i === topIndex + 1));
  if (!file) {
    console.error(usage);
    process.exit(2);
  }
  const top = topIndex >= 0 ? Number(args[topIndex + 1]) : 30;
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const total = profile.nodes.reduce((s, n) => s + (n.hitCount ?? 0), 0);

  const self = new Map<string, number>();
  for (const n of profile.nodes) self.set(label(n), (self.get(label(n)) ?? 0) + (n.hitCount ?? 0));

  // Inclusive time per function, counting a function once per stack (recursion-safe).
  const inclusive = new Map<string, number>();
  const walk = (id: number, onStack: Set<string>): number => {
    const n = byId.get(id)!;
    let sum = n.hitCount ?? 0;
    const l = label(n);
    const first = !onStack.has(l);
    if (first) onStack.add(l);
    for (const c of n.children ?? []) sum += walk(c, onStack);
    if (first) {
      onStack.delete(l);
      inclusive.set(l, (inclusive.get(l) ?? 0) + sum);
    }
    return sum;
  };
  walk(profile.nodes[0]!.id, new Set());

  const pct = (x: number) => `${((100 * x) / total).toFixed(1).padStart(5)}%`;
  console.log(`${total} samples`);
  console.log('\nSelf time:');
  for (const [l, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(v)}  ${l}`);
  console.log('\nInclusive time, Minflow code:');
  for (const [l, v] of [...inclusive]
    .filter(([l]) => /(server|cli)[/.]/.test(l) && !l.includes('node_modules'))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top))
    console.log(`  ${pct(v)}  ${l}`);
}

main();
