import { join } from "node:path";
import type { Queue } from "bullmq";
import type Docker from "dockerode";
import type { Logger } from "pino";
import type { Probot } from "probot";
import type { AgentEvent, StopReason } from "../agent/events.js";
import { runAgent } from "../agent/loop.js";
import type { EnvConfig } from "../config/env.js";
import { startEnergyMeter } from "../energy/meter.js";
import { installationToken } from "../github/installation-token.js";
import { createChatModel } from "../model/chat.js";
import { ModelUnavailableError } from "../model/errors.js";
import { issueKey } from "../queue/keys.js";
import { runEventSink } from "../queue/run-record.js";
import { announce, liveProgress } from "../queue/run-changes.js";
import { removeRunContainers } from "../sandbox/reaper.js";
import { createSandbox } from "../sandbox/sandbox.js";
import { cloneWorkspace, removeWorkspace } from "../sandbox/workspace.js";
import { createRunHome, lockfileHash, packageCacheDir, removeRunHome } from "../sandbox/run-state.js";
import { pickImage } from "../sandbox/image-allowlist.js";
import { diskFullWhy, workspaceDiskFull } from "../sandbox/workspace-disk.js";
import type { VerifyJob } from "../verify/verify-job.js";
import { cloneUrlFor } from "../github/clone-url.js";
import { queueVerification } from "../verify/verify-worker.js";
import type { RunPipeline } from "./run-worker.js";
import { createStatusReporter } from "./status-reporter.js";
import { SlotWaitAborted, createGpuSlots, type GpuSlots } from "./gpu-slots.js";
import { canWrite } from "../github/can-write.js";
import { lostAccessText } from "../intake/status-text.js";
import { sanitiseIssue } from "../text/sanitise-issue.js";
import { combineWithPr, withReview } from "../morning/follow-up.js";

export interface PipelineDeps {
  config: EnvConfig;
  docker: Docker;
  probot: Probot;
  verifyQueue: Queue<VerifyJob>;
  log: Logger;
  now?: () => number;
  /** The worker's GPU slots (default: NIGHTSHIFT_GPU_SLOTS of them); only the agent phase holds one. */
  gpu?: GpuSlots;
}

/** Plain words for why a run ended without a patch, for the issue's status comment. */
const WHY: Partial<Record<StopReason, string>> = {
  "turn-budget": "it used its whole turn budget without finishing",
  "token-budget": "it used its whole token budget without finishing",
  "time-budget": "it ran out of time",
  "energy-budget": "it used its whole energy budget",
  "malformed-output": "the model kept replying with text that was not an action",
  "error-streak": "one action after another failed",
  "repeated-action": "the model kept repeating the same action and getting the same result",
  alternation: "the model kept alternating between the same two actions",
  "repeated-error": "the same error kept coming back",
  rereading: "the model kept re-reading code it had already read",
  "edit-oscillation": "the model kept undoing its own edits",
  "tests-not-improving": "its edits stopped making the tests any better",
  "no-edit": "it read for a long time without changing anything",
  "degenerate-text": "the model's replies degenerated into repetition",
  "thinking-runaway": "the model's reasoning kept running past its budget",
  "repeated-edit": "the model kept applying the same edit again",
  scanning: "the model kept paging through code a few lines at a time",
  flailing: "most of the model's recent steps failed or repeated earlier ones",
  environment: "the sandbox is missing something the repository needs (see the run's stop message)",
  aborted: "it was cancelled",
};

/**
 * One overnight run, stage by stage, each recorded with a timestamp in the run record: clone on the
 * host (token in a header) → the repository's setup in a sandbox with network (CPU only) → a GPU slot
 * (gpu-slots.ts) → the agent under the early-stop controller in a sandbox without network → the patch
 * handed to the verify stage (which publishes).
 * The issue's status comment follows along; cancellation and GPU energy are wired through.
 */
export function createRunPipeline(deps: PipelineDeps): RunPipeline {
  const gpu = deps.gpu ?? createGpuSlots(deps.config.gpuSlots);
  return async ({ runId, job, signal, redis, keys }) => {
    const data = job.data;
    const octokit = await deps.probot.auth(data.installationId);
    const status = createStatusReporter(
      octokit,
      redis,
      keys,
      { owner: data.owner, repo: data.repo, issue_number: data.issueNumber },
      issueKey(data.owner, data.repo, data.issueNumber),
      (error) => deps.log.warn({ err: error, runId }, "could not update the status comment"),
    );
    const stage = async (name: string, text?: string) => {
      const fields = { stage: name, [`${name}At`]: new Date().toISOString() };
      await redis.hset(keys.run(runId), fields);
      await announce(redis, deps.config.redisPrefix, { kind: "run", runId, fields });
      if (text) await status.now(text);
    };

    // Write access is checked again now: the requester may have lost it while the run waited.
    if (!(await canWrite(octokit, data.owner, data.repo, data.requester))) {
      await status.now(lostAccessText(data.requester, "before it started"));
      return "stopped: requester lost write access";
    }
    let digest = "";
    const leftovers = await removeRunContainers(deps.docker, deps.config.redisPrefix, runId);
    if (leftovers > 0)
      deps.log.warn({ runId, leftovers }, "removed sandboxes an earlier attempt of this run left behind");
    const picked = pickImage(data.config.image, deps.config);
    if ("refused" in picked) return finish("image-not-allowed", picked.refused);
    const { image } = picked;
    await stage("clone", "**Nightshift: running** — cloning the repository.");
    const token = await installationToken(deps.probot, data.installationId, {
      repository: data.repo,
      contents: "read",
    });
    const workspace = await cloneWorkspace({
      url: cloneUrlFor(deps.config, data.owner, data.repo),
      token,
      sha: data.followUp?.headSha ?? data.baseSha, // a follow-up starts from its PR's branch
      root: deps.config.workspaceRoot,
      diskLimitMb: deps.config.workspaceDiskMb,
    });
    const namespace = deps.config.redisPrefix;
    // Setup's installs outside /workspace live in this run's HOME; its downloads in the repository's cache.
    const home = createRunHome(deps.config.workspaceRoot);
    try {
      if (data.config.setup) {
        await stage("setup", `**Nightshift: running** — installing dependencies (\`${data.config.setup}\`).`);
        const cache = packageCacheDir(
          join(deps.config.workspaceRoot, "nightshift-cache"),
          { installationId: data.installationId, owner: data.owner, repo: data.repo },
          lockfileHash(workspace),
        );
        const setup = await createSandbox(deps.docker, {
          runId,
          namespace,
          workspace,
          phase: "setup",
          image,
          home,
          cache,
          caBundle: deps.config.setupCaBundle,
        });
        try {
          const result = await setup.exec(data.config.setup, {
            timeoutMs: 20 * 60_000,
            signal,
            maxOutputBytes: 16 * 1024,
          });
          if (signal.aborted) return finish("stopped: aborted", WHY.aborted!);
          if (result.exitCode !== 0 && workspaceDiskFull(workspace))
            return finish("disk-full", diskFullWhy(deps.config.workspaceDiskMb));
          if (result.exitCode !== 0)
            return finish(
              "setup-failed",
              `the setup command \`${data.config.setup}\` failed (exit ${result.exitCode})`,
            );
        } finally {
          await setup.destroy();
        }
      }

      const { data: raw } = await octokit.rest.issues.get({
        owner: data.owner,
        repo: data.repo,
        issue_number: data.issueNumber,
      });
      const issue = sanitiseIssue(raw);
      digest = `\n\n${issue.digest}`;
      await redis.hset(keys.run(runId), { modelInput: issue.digest });
      const sandbox = await createSandbox(deps.docker, { runId, namespace, workspace, phase: "agent", image, home });
      // The workspace is ready; only now does the run take a GPU slot (others may be using them all).
      await stage(
        "ready",
        gpu.busy() >= deps.config.gpuSlots
          ? `**Nightshift: running** — workspace ready; waiting for a GPU slot.${digest}`
          : undefined,
      );
      const releaseGpu = await gpu.acquire(signal).catch(async (error: unknown) => {
        await sandbox.destroy();
        if (error instanceof SlotWaitAborted) return undefined;
        throw error;
      });
      if (!releaseGpu) return finish("stopped: aborted", WHY.aborted!);
      await stage("agent", `**Nightshift: running** — the agent is working on it.${digest}`);
      const meter = startEnergyMeter(deps.config.energyCommand, deps.config.energyIntervalMs);
      const record = runEventSink(redis, keys, runId, (error) =>
        deps.log.warn({ err: error, runId }, "could not record a run event"),
      );
      const live = liveProgress(redis, keys, deps.config.redisPrefix, runId);
      const started = deps.now?.() ?? Date.now();
      let passing: string | undefined;
      try {
        const model = createChatModel({
          host: deps.config.ollamaHost,
          model: deps.config.model,
          contextTokens: deps.config.contextTokens,
          keepAlive: deps.config.keepAlive,
          thinkingBudget: deps.config.thinkingBudget,
          temperature: 0.2,
        });
        let diskFull = false; // sticky: the agent may clean up after hitting the limit
        const emit = (event: AgentEvent) => {
          record(event);
          live(event);
          if (event.type === "observation") diskFull ||= workspaceDiskFull(workspace);
          if (event.type === "observation" && event.tests)
            passing = event.tests.passed
              ? "passing"
              : `failing${event.tests.failed !== undefined ? ` (${event.tests.failed} failed)` : ""}`;
          if (event.type === "turn_start")
            status.later(
              `**Nightshift: running** — the agent is on turn ${event.turn}` +
                `${passing ? `; tests ${passing}` : ""}.${digest}`,
            );
        };
        const budget = { ...data.config.budgets, energyWh: data.config.budgets.energy_wh };
        const result = await runAgent(
          { model, sandbox, emit, signal, energyWh: () => meter.wattHours(), now: deps.now },
          {
            issue: { title: issue.title, body: withReview(issue.body, data.followUp) },
            testCommand: data.config.test,
            budget,
            mode: deps.config.modelMode,
            contextTokens: deps.config.contextTokens,
            mechanisms: deps.config.agentMechanisms,
          },
        ).catch(async (error: unknown) => {
          // Ollama down, erroring or missing the model: an infrastructure failure, never the model's.
          if (!(error instanceof ModelUnavailableError)) throw error;
          const retries = (job.opts.attempts ?? 1) - job.attemptsMade - 1;
          await redis.hset(keys.run(runId), { infrastructure: error.message });
          await status.now(
            `**Nightshift: waiting** — infrastructure failure, not the model's: ${error.message}. ` +
              (retries > 0
                ? "The run will be retried."
                : "Giving up for tonight; comment `/agent retry` once the model server is back."),
          );
          throw error;
        });
        const energyWh = await meter.stop();
        await redis.hset(keys.run(runId), {
          turns: String(result.turns),
          tokens: String(result.tokens),
          stopReason: result.reason,
          // What the sandbox lacks, found during the run: the run page and the morning report name it.
          ...(result.environment ? { environment: result.environment } : {}),
          energyWh: energyWh === undefined ? "unknown" : energyWh.toFixed(2),
        });
        if (diskFull || workspaceDiskFull(workspace))
          return finish("disk-full", diskFullWhy(deps.config.workspaceDiskMb));
        const stopped = result.reason !== "finished";
        // Plain words for the issue; an environment stop's own message names what is missing and what to change.
        const why =
          (result.reason === "environment" ? result.message : undefined) ?? WHY[result.reason] ?? result.reason;
        // Salvage: a stop other than cancellation still hands a non-empty diff to verification, which decides.
        if (result.reason === "aborted") return finish(`stopped: ${result.reason}`, WHY.aborted!);
        const diff = await sandbox
          .diff({ maxBytes: data.config.tamper.max_patch_bytes + 1024 })
          .catch((error: Error) => error);
        if (diff instanceof Error) return finish("patch-too-large", diff.message);
        if (!diff.trim())
          return stopped
            ? finish(`stopped: ${result.reason}`, why)
            : finish("no-change", "the agent finished without changing anything");
        // A follow-up's diff sits on the PR's change: verified and published as one patch against the base.
        const patch =
          data.followUp && diff.trim()
            ? await combineWithPr({
                cloneUrl: cloneUrlFor(deps.config, data.owner, data.repo),
                token: await installationToken(deps.probot, data.installationId, {
                  repository: data.repo,
                  contents: "read",
                }),
                baseSha: data.baseSha,
                headSha: data.followUp.headSha,
                patch: diff,
              })
            : diff;
        await redis.hset(keys.run(runId), { patch }); // the admin page's diff
        if (stopped) await redis.hset(keys.run(runId), { salvaged: "true", salvagedBecause: why });
        await stage(
          "verify",
          stopped
            ? `**Nightshift: verifying** — the agent was stopped (${why}), but it had changed files; checking ` +
                "that patch on a fresh clone."
            : "**Nightshift: verifying** — the agent finished; checking its patch on a fresh clone.",
        );
        await queueVerification(deps.verifyQueue, {
          runId,
          owner: data.owner,
          repo: data.repo,
          installationId: data.installationId,
          issueNumber: data.issueNumber,
          issueTitle: raw.title.slice(0, 256),
          requester: data.requester,
          defaultBranch: data.defaultBranch,
          baseSha: data.baseSha,
          patch,
          config: data.config,
          ...(data.followUp ? { followUp: { pr: data.followUp.pr, reviewer: data.followUp.reviewer } } : {}),
          run: {
            summary: result.summary ?? "",
            turns: result.turns,
            tokens: result.tokens,
            durationMs: (deps.now?.() ?? Date.now()) - started,
            energyWh,
            stopReason: result.reason,
            ...(stopped ? { salvaged: why } : {}),
            ...(result.environment ? { environment: result.environment } : {}),
          },
        });
        return "verifying";
      } finally {
        releaseGpu();
        await meter.stop();
        await sandbox.destroy();
      }
    } finally {
      removeWorkspace(workspace);
      removeRunHome(home);
      await status.flush();
    }

    async function finish(outcome: string, why: string): Promise<string> {
      await redis.hset(keys.run(runId), { why }); // the status comment and the morning report repeat it
      await status.now(
        `**Nightshift: no PR** — ${why}. A maintainer can comment \`/agent retry\` to try again.${digest}`,
      );
      return outcome;
    }
  };
}
