import { morningKeys } from "../morning/keys.js";

/** Every Redis key Nightshift writes itself (BullMQ names its own under `${prefix}:${queue}:`). */
export function redisKeys(prefix: string) {
  return {
    delivery: (id: string) => `${prefix}:delivery:${id}`,
    issueLock: (issueKey: string) => `${prefix}:lock:${issueKey}`,
    statusComments: `${prefix}:status-comments`,
    refusal: (issueKey: string, login: string) => `${prefix}:refused:${issueKey}:${login.toLowerCase()}`,
    answered: (issueKey: string, login: string) => `${prefix}:answered:${issueKey}:${login.toLowerCase()}`,
    deliveryContent: (digest: string) => `${prefix}:delivery-content:${digest}`,
    cancel: (jobId: string) => `${prefix}:cancel:${jobId}`,
    run: (runId: string) => `${prefix}:run:${runId}`,
    runEvents: (runId: string) => `${prefix}:run:${runId}:events`,
    runIndex: `${prefix}:runs`,
    pushedShas: (repo: string, branch: string) => `${prefix}:pushed:${repo.toLowerCase()}:${branch}`,
    ciNotice: (repo: string, sha: string) => `${prefix}:ci:${repo.toLowerCase()}:${sha}`,
    ...morningKeys(prefix),
  };
}

export type RedisKeys = ReturnType<typeof redisKeys>;

export const QUEUE_NAMES = { deliveries: "deliveries", runs: "runs" } as const;

/** One waiting run per issue: the job id is derived from the issue (GitHub names are case-insensitive). */
export function issueKey(owner: string, repo: string, issue: number): string {
  return `${owner.toLowerCase()}/${repo.toLowerCase()}#${issue}`;
}
