import { loadEnvConfig, requireFor } from "../config/env.js";
import { startRunWorker } from "../worker.js";
import { onShutdown } from "./on-shutdown.js";

/** `nightshift worker` and the worker child of `nightshift start`: take runs until SIGTERM. */
export async function runWorkerProcess(env: NodeJS.ProcessEnv): Promise<void> {
  const config = loadEnvConfig(env);
  requireFor("worker", config);
  const worker = await startRunWorker({ config });
  onShutdown(() => worker.close());
}
