import { Ollama } from "ollama";
import { badSettingResult, type CheckInput, type CheckResult } from "./doctor-check.js";
import { describeNetworkError, networkFix } from "./network-error.js";

/** Ollama answers and has the configured model pulled. */
export async function checkOllama(input: CheckInput): Promise<CheckResult> {
  const invalid = badSettingResult("ollama", input, ["OLLAMA_HOST", "NIGHTSHIFT_MODEL"]);
  if (invalid) return invalid;
  const { config, deps } = input;
  const timeout = deps.timeoutMs ?? 3000;
  const baseFetch = deps.fetch ?? globalThis.fetch;
  const ollama = new Ollama({
    host: config.ollamaHost,
    fetch: (url, init) => baseFetch(url, { ...init, signal: AbortSignal.timeout(timeout) }),
  });
  let names: string[];
  try {
    names = (await ollama.list()).models.map((m) => m.name);
  } catch (error) {
    const failure = describeNetworkError(error, config.ollamaHost);
    return {
      name: "ollama",
      ok: false,
      detail: failure?.detail ?? `Ollama at ${config.ollamaHost} failed: ${(error as Error).message.slice(0, 200)}`,
      fix: failure
        ? networkFix(failure, "OLLAMA_HOST", "`ollama serve` on the GPU machine")
        : "check that OLLAMA_HOST points at Ollama (not another service)",
    };
  }
  const wanted = config.model.includes(":") ? config.model : `${config.model}:latest`;
  if (!names.includes(wanted)) {
    return {
      name: "ollama",
      ok: false,
      detail: `Ollama at ${config.ollamaHost} answers, but model ${wanted} is not pulled`,
      fix:
        `run \`ollama pull ${config.model}\` or set NIGHTSHIFT_MODEL to one of: ` +
        `${names.join(", ") || "(none pulled)"}`,
    };
  }
  return { name: "ollama", ok: true, detail: `Ollama at ${config.ollamaHost} has ${wanted}` };
}
