/** The Redis keys of the morning: run history per issue, the report issue per repository, Nightshift's PRs. */
export function morningKeys(prefix: string) {
  return {
    /** Run ids of one issue, scored by start time: the status comment reads the last one. */
    issueRuns: (issueKey: string) => `${prefix}:issue-runs:${issueKey}`,
    /** The number of the repository's report issue, and the checkbox items its last rendering offered. */
    reportIssue: (repo: string) => `${prefix}:report:${repo.toLowerCase()}`,
    /** When the last scheduled morning report was written (epoch ms) — the start of the next night. */
    reportCutoff: (repo: string) => `${prefix}:report-cutoff:${repo.toLowerCase()}`,
    /** Once per night: set by whichever process writes the morning reports first. */
    morningDone: (night: string) => `${prefix}:morning-done:${night}`,
    /** A PR Nightshift opened: its issue, base and head commits, requester (hash). */
    pull: (repo: string, pr: number) => `${prefix}:pull:${repo.toLowerCase()}#${pr}`,
    /** How many follow-up runs a PR has had. */
    followUps: (repo: string, pr: number) => `${prefix}:follow-ups:${repo.toLowerCase()}#${pr}`,
  };
}
