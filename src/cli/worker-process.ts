import { loadEnvConfig, requireFor } from "../config/env.js";
import { startDeliveryWorker } from "../delivery-worker.js";
import { startRunWorker } from "../worker.js";
import { onShutdown } from "./on-shutdown.js";

export type WorkerKind = "runs" | "deliveries";

/** A BullMQ worker process: `runs` takes overnight runs (GPU), `deliveries` runs the webhook handlers. */
export async function runWorkerProcess(env: NodeJS.ProcessEnv, kind: WorkerKind): Promise<void> {
  const config = loadEnvConfig(env);
  requireFor(kind === "runs" ? "worker" : "server", config);
  const worker = kind === "runs" ? await startRunWorker({ config }) : await startDeliveryWorker({ config });
  onShutdown(() => worker.close());
}
