// Following an alias without the network: a fake registry (resolve) and loader (load) drive the
// follower through swaps, failures and concurrent checks.
import { describe, expect, it } from 'vitest';
import { ModelFollower, type FollowerOptions } from '../../serving/follower.js';
import type { ResolvedVersion } from '../../serving/loader.js';
import { parseModelUri } from '../../serving/model-uri.js';
import type { ServedModel } from '../../serving/scorer.js';

function fakeModel(version: string): ServedModel {
  return { identity: { name: 'churn', version, alias: 'production', runId: null, modelId: null, source: `v${version}` } } as ServedModel;
}

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: Error) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

interface Harness {
  options: FollowerOptions;
  registry: { version: string; down: boolean };
  loads: string[];
  warnings: string[];
  /** When set, the next load waits for it. */
  gate: { promise: Promise<void> } | null;
  broken: Set<string>;
}

function harness(pollIntervalMs = 0): Harness {
  const h: Harness = {
    registry: { version: '1', down: false },
    loads: [],
    warnings: [],
    gate: null,
    broken: new Set(),
    options: undefined as unknown as FollowerOptions,
  };
  h.options = {
    ref: parseModelUri('models:/churn@production'),
    resolve: async (): Promise<ResolvedVersion> => {
      if (h.registry.down) throw new Error('request to http://127.0.0.1:5000 failed: fetch failed');
      return { name: 'churn', version: h.registry.version };
    },
    load: async (target) => {
      h.loads.push(target.version);
      if (h.gate) await h.gate.promise;
      if (h.broken.has(target.version)) throw new Error(`version ${target.version}: model.json is not valid JSON`);
      return fakeModel(target.version);
    },
    pollIntervalMs,
    log: { info: () => {}, warn: (obj) => h.warnings.push(JSON.stringify(obj)) },
  };
  return h;
}

describe('ModelFollower', () => {
  it('starts on the version the alias points at', async () => {
    const h = harness();
    const f = await ModelFollower.start(h.options);
    expect(f.current.identity.version).toBe('1');
    expect(f.state.degraded).toBe(false);
    expect(f.state.lastSuccessfulCheck).toBeInstanceOf(Date);
  });

  it('a failing first load is an error (nothing to serve yet)', async () => {
    const h = harness();
    h.registry.down = true;
    await expect(ModelFollower.start(h.options)).rejects.toThrow(/fetch failed/);
  });

  it('does nothing while the alias stays put', async () => {
    const h = harness();
    const f = await ModelFollower.start(h.options);
    expect(await f.check()).toEqual({ outcome: 'unchanged', version: '1' });
    expect(h.loads).toEqual(['1']);
  });

  it('keeps serving the old model while the new one loads, then swaps', async () => {
    const h = harness();
    const f = await ModelFollower.start(h.options);
    const old = f.current;
    h.registry.version = '2';
    const gate = deferred<void>();
    h.gate = gate;
    const check = f.check();
    await new Promise((r) => setTimeout(r, 10));
    expect(f.current).toBe(old);
    expect(f.state.loading).toBe('2');
    gate.resolve();
    expect(await check).toEqual({ outcome: 'swapped', from: '1', to: '2' });
    expect(f.current.identity.version).toBe('2');
    expect(f.state.loading).toBeNull();
    // A request that read `current` before the swap still holds the old model.
    expect(old.identity.version).toBe('1');
  });

  it('concurrent checks share one load', async () => {
    const h = harness();
    const f = await ModelFollower.start(h.options);
    h.registry.version = '2';
    const [a, b] = await Promise.all([f.check(), f.check()]);
    expect(a).toEqual(b);
    expect(h.loads).toEqual(['1', '2']);
  });

  it('registry down: keeps the current model, records the error, recovers on the next check', async () => {
    const h = harness();
    const f = await ModelFollower.start(h.options);
    const before = f.state.lastSuccessfulCheck;
    h.registry.down = true;
    const r = await f.check();
    expect(r).toMatchObject({ outcome: 'failed', version: '1' });
    expect(f.current.identity.version).toBe('1');
    expect(f.state.degraded).toBe(true);
    expect(f.state.lastError?.message).toMatch(/fetch failed/);
    expect(f.state.lastSuccessfulCheck).toBe(before);
    expect(h.warnings).toHaveLength(1);

    h.registry.down = false;
    h.registry.version = '2';
    expect(await f.check()).toMatchObject({ outcome: 'swapped', to: '2' });
    expect(f.state.degraded).toBe(false);
    // The last error stays visible (with its time) after recovery.
    expect(f.state.lastError?.message).toMatch(/fetch failed/);
  });

  it('a new version that cannot load keeps the current one and is retried on the next check', async () => {
    const h = harness();
    const f = await ModelFollower.start(h.options);
    h.registry.version = '2';
    h.broken.add('2');
    expect(await f.check()).toMatchObject({ outcome: 'failed', error: expect.stringMatching(/not valid JSON/) });
    expect(f.current.identity.version).toBe('1');
    h.broken.delete('2');
    expect(await f.check()).toMatchObject({ outcome: 'swapped', to: '2' });
  });

  it('polls on its own at the interval, and stops', async () => {
    const h = harness(20);
    const f = await ModelFollower.start(h.options);
    f.startPolling();
    h.registry.version = '3';
    const deadline = Date.now() + 2000;
    while (f.current.identity.version !== '3' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(f.current.identity.version).toBe('3');
    f.stop();
    h.registry.version = '4';
    await new Promise((r) => setTimeout(r, 100));
    expect(f.current.identity.version).toBe('3');
  });

  it('fixed versions and local directories do not poll', async () => {
    const h = harness(10);
    const f = await ModelFollower.start({ ...h.options, ref: parseModelUri('models:/churn/1') });
    expect(f.pollIntervalMs).toBe(0);
  });
});

describe('parseModelUri', () => {
  it('aliases, versions and local directories', () => {
    expect(parseModelUri('models:/churn@production')).toEqual({ kind: 'alias', name: 'churn', alias: 'production', uri: 'models:/churn@production' });
    expect(parseModelUri('models:/churn/3')).toEqual({ kind: 'version', name: 'churn', version: '3', uri: 'models:/churn/3' });
    expect(parseModelUri('models:churn/3')).toMatchObject({ kind: 'version', name: 'churn', version: '3' });
    expect(parseModelUri('./mlruns/model')).toEqual({ kind: 'local', dir: './mlruns/model', uri: './mlruns/model' });
    expect(parseModelUri('file:///tmp/model')).toMatchObject({ kind: 'local', dir: '/tmp/model' });
  });

  it('refuses what it cannot serve, saying what to write instead', () => {
    expect(() => parseModelUri('models:/churn/Production')).toThrow(/not a version number; to follow a moving target use an alias \(models:\/churn@production\)/);
    expect(() => parseModelUri('models:/churn/latest')).toThrow(/not a version number/);
    expect(() => parseModelUri('models:/churn')).toThrow(/malformed/);
    expect(() => parseModelUri('models:/churn@')).toThrow(/malformed/);
    expect(() => parseModelUri('runs:/abc/model')).toThrow(/unsupported model URI/);
    expect(() => parseModelUri('s3://bucket/model')).toThrow(/unsupported model URI/);
  });
});
