// N Minflow replicas on one store behind nginx (test/helpers/nginx.ts), seen by the workloads as one
// server: its URL is nginx's, its startup the time until every replica answered /health (all spawned
// at once), its RSS the replicas' resident sets added up (nginx's own is not counted).
import fs from 'node:fs';
import path from 'node:path';
import { startNginx } from '../../test/helpers/nginx.js';
import { RssSampler, startServer, type RunningServer, type StartOptions } from './servers.js';

export interface ReplicaGroup extends RunningServer {
  replicas: RunningServer[];
  nginxUrl: string;
}

export async function startReplicas(count: number, dataDir: string, options: StartOptions): Promise<ReplicaGroup> {
  fs.mkdirSync(dataDir, { recursive: true });
  const t0 = Date.now();
  const settled = await Promise.allSettled(
    Array.from({ length: count }, (_, i) => startServer('minflow', dataDir, { ...options, logName: `replica-${i}.log` })),
  );
  const replicas = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await Promise.all(replicas.map((r) => r.stop()));
    throw failed.reason;
  }
  const startupMs = Date.now() - t0;
  // One sampler for the group instead of one per replica.
  for (const r of replicas) r.rss.stop();
  let nginx;
  try {
    nginx = await startNginx(replicas.map((r) => r.url));
  } catch (e) {
    await Promise.all(replicas.map((r) => r.stop()));
    throw e;
  }
  const rss = new RssSampler(
    replicas.map((r) => r.pid),
    false,
  );
  rss.start();
  return {
    name: 'minflow',
    url: nginx.url,
    nginxUrl: nginx.url,
    pid: replicas[0]!.pid,
    dataDir: path.resolve(dataDir),
    startupMs,
    rss,
    replicas,
    async stop() {
      rss.stop();
      await nginx.stop();
      await Promise.all(replicas.map((r) => r.stop()));
    },
  };
}
