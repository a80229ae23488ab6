/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-assignment,
   @typescript-eslint/no-unsafe-member-access --
   reads a foreign, untyped JSON record loosely; nothing here runs in Nightshift itself. */
// Lays out SWE-agent 0.x runs that were published wrapped in a record of their own — `{instance_id, information:
// {status, trajectory: <the .traj>}}` in <data>/<outcome>/<instance>_<model>.json (JoshuaPurtell/SWE-agent's
// hackathon/data*, see bench/traces/real-runs-manifest.json) — as SWE-agent run folders the converter reads:
// <out>/sweagent-runs/hackathon-<model>-<data>-<outcome>/{trajs/<instance>.traj, results.json, run.json}.
// A record without a trajectory (many hold only fine-tuning messages) is skipped and counted.
//
// Usage: npx tsx bench/traces/unwrap-wrapped-sweagent-runs.ts <hackathon dir> <raw dir> <repo> <commit>
import * as fs from "node:fs";
import * as path from "node:path";

const MODELS: Record<string, { model: string; modelSizeB: number | null }> = {
  "gpt-4o-mini": { model: "gpt-4o-mini-2024-07-18", modelSizeB: null },
  gpt4o: { model: "gpt-4o-2024-05-13", modelSizeB: null },
  "L3.1-70b-Together": { model: "Llama-3.1-70B-Instruct", modelSizeB: 70 },
  "claude-3-5-sonnet-20240620": { model: "claude-3-5-sonnet-20240620", modelSizeB: null },
};

function main() {
  const [dir, raw, repo, commit] = process.argv.slice(2);
  if (!dir || !raw || !repo || !commit) {
    console.error("usage: unwrap-wrapped-sweagent-runs.ts <hackathon dir> <raw dir> <repo> <commit>");
    process.exit(2);
  }
  let written = 0;
  let skipped = 0;
  const resolvedBy = new Map<string, string[]>();
  for (const data of fs.readdirSync(dir).filter((d) => /^data\d*$/.test(d))) {
    for (const outcome of fs.readdirSync(path.join(dir, data))) {
      for (const file of fs.readdirSync(path.join(dir, data, outcome)).filter((f) => f.endsWith(".json"))) {
        let record: any;
        try {
          record = JSON.parse(fs.readFileSync(path.join(dir, data, outcome, file), "utf8"));
        } catch {
          skipped++;
          continue;
        }
        const instance: unknown = record?.instance_id;
        const traj = record?.information?.trajectory;
        if (typeof instance !== "string" || !file.startsWith(`${instance}_`) || !traj?.history) {
          skipped++;
          continue;
        }
        const modelKey = file.slice(instance.length + 1, -".json".length);
        const about = MODELS[modelKey];
        if (!about) {
          skipped++;
          continue;
        }
        const run = `hackathon-${modelKey}-${data}-${outcome}`;
        const runDir = path.join(raw, "sweagent-runs", run);
        fs.mkdirSync(path.join(runDir, "trajs"), { recursive: true });
        fs.writeFileSync(path.join(runDir, "trajs", `${instance}.traj`), JSON.stringify(traj));
        const resolved = record.information.status === "success";
        resolvedBy.set(run, [...(resolvedBy.get(run) ?? []), ...(resolved ? [instance] : [])]);
        if (!fs.existsSync(path.join(runDir, "run.json")))
          fs.writeFileSync(
            path.join(runDir, "run.json"),
            JSON.stringify({
              ...about,
              framework: "SWE-agent 0.x (default ACI, Lite dev, low cost limit)",
              source: { repo, commit, path: `hackathon/${data}/${outcome}` },
            }),
          );
        written++;
      }
    }
  }
  for (const [run, resolved] of resolvedBy)
    fs.writeFileSync(path.join(raw, "sweagent-runs", run, "results.json"), JSON.stringify({ resolved }));
  console.log(`unwrap: ${written} trajectories in ${resolvedBy.size} run folders; ${skipped} records skipped`);
}

main();
