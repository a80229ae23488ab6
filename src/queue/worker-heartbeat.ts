import { hostname } from "node:os";
import type { Redis } from "ioredis";
import { announce } from "./run-changes.js";

/** One GPU worker as the admin page shows it. */
export interface WorkerBeat {
  name: string;
  machine: string;
  pid: number;
  slots: number;
  running: string[];
  drained: boolean;
  at: string;
}

export const workerKeys = (prefix: string) => ({
  beats: `${prefix}:workers`,
  drain: (name: string) => `${prefix}:workers:drain:${name}`,
  /** Each worker's last start-up preflight (field: machine:pid), read by the admin Tonight page. */
  preflights: `${prefix}:workers:preflight`,
});

/** A worker that has not beaten for this long is shown as gone and dropped from the list. */
export const WORKER_GONE_MS = 60_000;

/**
 * Every few seconds a worker writes what it is doing (machine, slots, runs) and reads whether an
 * operator asked it to drain (take no new runs; the ones in flight finish). `onDrain` is called when
 * that changes.
 */
export function startWorkerHeartbeat(opts: {
  redis: Redis;
  prefix: string;
  name: string;
  slots: number;
  running: () => string[];
  onDrain: (drained: boolean) => Promise<void> | void;
  intervalMs?: number;
  onError?: (error: unknown) => void;
}): { beat(): Promise<void>; stop(): Promise<void> } {
  const keys = workerKeys(opts.prefix);
  let drained = false;
  const beat = async () => {
    const asked = (await opts.redis.exists(keys.drain(opts.name))) === 1;
    if (asked !== drained) {
      drained = asked;
      await opts.onDrain(asked);
    }
    const value: WorkerBeat = {
      name: opts.name,
      machine: hostname(),
      pid: process.pid,
      slots: opts.slots,
      running: opts.running(),
      drained,
      at: new Date().toISOString(),
    };
    await opts.redis.hset(keys.beats, opts.name, JSON.stringify(value));
    await announce(opts.redis, opts.prefix, { kind: "workers" });
  };
  const safeBeat = () => beat().catch((error: unknown) => opts.onError?.(error));
  const timer = setInterval(() => void safeBeat(), opts.intervalMs ?? 5_000);
  timer.unref();
  void safeBeat();
  return {
    beat: safeBeat,
    async stop() {
      clearInterval(timer);
      await opts.redis.hdel(keys.beats, opts.name).catch(() => undefined);
      await announce(opts.redis, opts.prefix, { kind: "workers" });
    },
  };
}

export async function readWorkerBeats(redis: Redis, prefix: string, now = Date.now()): Promise<WorkerBeat[]> {
  const all = await redis.hgetall(workerKeys(prefix).beats);
  const beats: WorkerBeat[] = [];
  for (const [name, text] of Object.entries(all)) {
    try {
      const beat = JSON.parse(text) as WorkerBeat;
      if (now - Date.parse(beat.at) > WORKER_GONE_MS) await redis.hdel(workerKeys(prefix).beats, name);
      else beats.push(beat);
    } catch {
      await redis.hdel(workerKeys(prefix).beats, name);
    }
  }
  return beats.sort((a, b) => a.name.localeCompare(b.name));
}
