import type { Redis } from "ioredis";
import type { ProbotOctokit } from "probot";
import type { RedisKeys } from "../queue/keys.js";
import { upsertStatusComment, type IssueRef } from "../github/status-comment.js";
import { withLock } from "../queue/issue-lock.js";

/** Edits the issue's one status comment: stage changes at once, per-turn progress at most every `intervalMs`. */
export function createStatusReporter(
  octokit: ProbotOctokit,
  redis: Redis,
  keys: RedisKeys,
  ref: IssueRef,
  key: string,
  onError: (error: unknown) => void,
  intervalMs = 15_000,
) {
  let lastWrite = 0;
  let pending: string | undefined;
  let writing: Promise<unknown> = Promise.resolve();
  const write = (text: string) => {
    lastWrite = Date.now();
    pending = undefined;
    // A status update that fails is logged; it never fails the run. Under the issue lock: a run that starts
    // the moment it is queued must not create a second comment beside the one intake is writing.
    writing = writing
      .then(() => withLock(redis, keys.issueLock(key), () => upsertStatusComment(octokit, redis, keys, ref, key, text)))
      .catch(onError);
    return writing;
  };
  return {
    /** A stage change or a final state: written now. */
    now: async (text: string) => {
      await write(text);
    },
    /** Progress: written if the last write is old enough, else kept for the next chance. */
    later: (text: string) => {
      if (Date.now() - lastWrite >= intervalMs) void write(text);
      else pending = text;
    },
    flush: async () => {
      if (pending) await write(pending);
      await writing;
    },
  };
}
