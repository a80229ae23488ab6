#!/usr/bin/env bash
# Lays out the raw trajectories of the real-run corpus (bench/traces/real-runs-manifest.json) from local
# git mirrors of its source repositories, in the layout bench/traces/convert-real-runs.ts reads, then runs
# the converter. Nothing it writes belongs in git (AGPL-3.0 non-commercial data among it).
#
# Usage: bench/traces/prepare-real-runs.sh <auto-code-rover git dir> <mini-swe-agent git dir> \
#          <moatless-tools git dir> <out dir> [<swe-agent-trajectory-analysis git dir> [<SWE-agent hackathon git dir>]]
#   Each git dir is a clone (bare or not) that holds the manifest's commit. Writes <out>/raw/ and
#   <out>/corpus/ (+ <out>/stats.json, <out>/split.json); then NIGHTSHIFT_REAL_RUNS=<out> npm run bench:controller.
#   An existing <out>/raw or <out>/corpus is replaced. The two optional sources add the weak and small models'
#   runs (lgetter/swe-agent-trajectory-analysis: SWE-agent-LM-32B; JoshuaPurtell/SWE-agent: gpt-4o-mini and others).
# Held out, never read here: multi-swe-bench/experiments evaluation/java/verified/20240825_SWE-agent_*.
set -euo pipefail

if [ "$#" -lt 4 ] || [ "$#" -gt 6 ]; then
  sed -n '2,13p' "$0" >&2
  exit 2
fi
ACR_GIT=$1 MINI_GIT=$2 MOAT_GIT=$3 OUT=$4 LM32_GIT=${5:-} HACK_GIT=${6:-}
ACR_COMMIT=3536ac292e3062ffb3f6e98457958e2b803228d6
MINI_COMMIT=d12a71affd95403b036b2bdbd827349b77bfffb9
MOAT_COMMIT=91f874186e8298e5270c00a334c7a962bb4cdfad
LM32_COMMIT=9ecabb67ca553a1c86a7e504c4556772b9443e99
LM32_RUN=20250511_sweagent_lm_32b
HACK_COMMIT=805152a703dfb076e3f90e39ed89497983970944
MINI_RUN=swebench_results/20251118_gemini-3-pro-74pct
MOAT_RUNS="20240609_moatless_gpt4o 20240617_moatless_gpt-4o-2024-05-13 20240623_moatless_claude-3.5-sonnet"
HERE=$(cd "$(dirname "$0")" && pwd)
REPO_ROOT=$(cd "$HERE/../.." && pwd)

gitdir_of() { # a bare repository or a work tree's .git
  if [ -d "$1/.git" ]; then echo "$1/.git"; else echo "$1"; fi
}
need_commit() { # <git dir> <commit> <name>
  if ! git --git-dir="$1" cat-file -e "$2^{commit}" 2>/dev/null; then
    echo "prepare-real-runs: $1 does not hold $3 commit $2 (fetch that repository's history first)" >&2
    exit 1
  fi
}
# extract <git dir> <commit> <dest> <path>...: the paths at that commit, unpacked under <dest> with their full paths
extract() {
  local gd=$1 commit=$2 dest=$3
  shift 3
  mkdir -p "$dest"
  # A partial mirror lacks some large blobs this never extracts; git archive still reports them
  # ("invalid object") though it writes every requested file, so that one message is dropped. A blob
  # that is really needed and missing fails the archive (and tar) under pipefail.
  git --git-dir="$gd" archive --format=tar "$commit" -- "$@" 2> >(grep -v '^error: invalid object' >&2) |
    tar -x -C "$dest"
}

ACR_GIT=$(gitdir_of "$ACR_GIT")
MINI_GIT=$(gitdir_of "$MINI_GIT")
MOAT_GIT=$(gitdir_of "$MOAT_GIT")
need_commit "$ACR_GIT" "$ACR_COMMIT" nus-apr/auto-code-rover
need_commit "$MINI_GIT" "$MINI_COMMIT" gruckion/mini-swe-agent
need_commit "$MOAT_GIT" "$MOAT_COMMIT" aorwall/moatless-tools
if [ -n "$LM32_GIT" ]; then
  LM32_GIT=$(gitdir_of "$LM32_GIT")
  need_commit "$LM32_GIT" "$LM32_COMMIT" lgetter/swe-agent-trajectory-analysis
fi
if [ -n "$HACK_GIT" ]; then
  HACK_GIT=$(gitdir_of "$HACK_GIT")
  need_commit "$HACK_GIT" "$HACK_COMMIT" JoshuaPurtell/SWE-agent
fi
# extract_present <git dir> <commit> <dest> <path>: the files under <path> whose content the clone holds, one by one
# (a snapshot that leaves out files of 4 MiB and more lacks some; they are counted, not fatal)
extract_present() {
  local gd=$1 commit=$2 dest=$3 under=$4 missing=0
  while IFS=$'\t' read -r meta file; do
    local sha=${meta##* }
    if git --git-dir="$gd" cat-file -e "$sha" 2>/dev/null; then
      mkdir -p "$dest/$(dirname "$file")"
      git --git-dir="$gd" cat-file blob "$sha" >"$dest/$file"
    else
      missing=$((missing + 1))
    fi
  done < <(git --git-dir="$gd" ls-tree -r "$commit" -- "$under")
  [ "$missing" -eq 0 ] || echo "prepare-real-runs: $missing files under $under are not in $gd (left out)" >&2
}

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
RAW=$OUT/raw
TMP=$(mktemp -d "$OUT/.prepare.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
rm -rf "$RAW" "$OUT/corpus"
mkdir -p "$RAW"

# SWE-agent 0.x re-run by the AutoCodeRover authors: sweagent_gpt4_acr/<run>/{*.traj,final_report.json}
# (partial mirrors may lack the large run logs, which are not needed)
extract "$ACR_GIT" "$ACR_COMMIT" "$TMP/acr" results/swe-agent-results ':(exclude)results/swe-agent-results/*/*.log'
mkdir -p "$RAW/sweagent_gpt4_acr"
for run in cost_2_1 cost_2_2 cost_2_3; do
  src=$TMP/acr/results/swe-agent-results/$run
  mkdir -p "$RAW/sweagent_gpt4_acr/$run"
  find "$src" -maxdepth 1 -name '*.traj' -exec mv -t "$RAW/sweagent_gpt4_acr/$run" {} +
  mv "$src/final_report.json" "$RAW/sweagent_gpt4_acr/$run/"
done

# AutoCodeRover: acr_gpt4/<run>/report.json + acr_gpt4/<run>/<category>/<task>/ (eval folders left out:
# the converter takes every folder under <run> as a category)
mkdir -p "$RAW/acr_gpt4"
for run in acr-run-1 acr-run-2 acr-run-3; do
  # (partial mirrors may lack the eval folders' large logs, which are not needed)
  cats=$(git --git-dir="$ACR_GIT" ls-tree -d --name-only "$ACR_COMMIT" "results/$run/" | grep -v '_eval_results$')
  # shellcheck disable=SC2086 # one path per category folder
  extract "$ACR_GIT" "$ACR_COMMIT" "$TMP/acr" "results/$run/new_eval_results/report.json" $cats
  src=$TMP/acr/results/$run
  mkdir -p "$RAW/acr_gpt4/$run"
  mv "$src/new_eval_results/report.json" "$RAW/acr_gpt4/$run/report.json"
  for cat in $cats; do
    mv "$TMP/acr/$cat" "$RAW/acr_gpt4/$run/$(basename "$cat")"
  done
done

# mini-swe-agent: mini_gemini3pro/trajs/<id>.traj.json + mini_gemini3pro/reports/<id>.report.json
extract "$MINI_GIT" "$MINI_COMMIT" "$TMP/mini" "$MINI_RUN/trajs" "$MINI_RUN/logs"
mkdir -p "$RAW/mini_gemini3pro/trajs" "$RAW/mini_gemini3pro/reports"
for d in "$TMP/mini/$MINI_RUN"/trajs/*/; do
  id=$(basename "$d")
  [ -f "$d/$id.traj.json" ] && mv "$d/$id.traj.json" "$RAW/mini_gemini3pro/trajs/"
done
for d in "$TMP/mini/$MINI_RUN"/logs/*/; do
  id=$(basename "$d")
  [ -f "$d/report.json" ] && mv "$d/report.json" "$RAW/mini_gemini3pro/reports/$id.report.json"
done

# Moatless Tools: moatless/<evaluation>/{trajs/,result.json}
for ev in $MOAT_RUNS; do
  extract "$MOAT_GIT" "$MOAT_COMMIT" "$TMP/moat" "evaluations/$ev/trajs" "evaluations/$ev/result.json"
  mkdir -p "$RAW/moatless"
  mv "$TMP/moat/evaluations/$ev" "$RAW/moatless/$ev"
done

# SWE-agent 1.0.1 with SWE-agent-LM-32B (SWE-bench Verified): sweagent-runs/swe-agent-lm-32b/{trajs/,results/,run.json}
if [ -n "$LM32_GIT" ]; then
  extract_present "$LM32_GIT" "$LM32_COMMIT" "$TMP/lm32" "$LM32_RUN/trajs"
  extract_present "$LM32_GIT" "$LM32_COMMIT" "$TMP/lm32" "$LM32_RUN/results"
  dest=$RAW/sweagent-runs/swe-agent-lm-32b
  mkdir -p "$dest"
  mv "$TMP/lm32/$LM32_RUN/trajs" "$TMP/lm32/$LM32_RUN/results" "$dest/"
  printf '%s\n' '{"model": "SWE-agent-LM-32B (Qwen2.5-Coder-32B fine-tune)", "modelSizeB": 32,' \
    ' "framework": "SWE-agent 1.0.1 (str_replace_editor, Verified)",' \
    " \"source\": {\"repo\": \"lgetter/swe-agent-trajectory-analysis\", \"commit\": \"$LM32_COMMIT\", \"path\": \"$LM32_RUN\"}}" \
    >"$dest/run.json"
fi
# SWE-agent 0.x hackathon runs (gpt-4o-mini, gpt-4o, Llama-3.1-70B; SWE-bench Lite dev), each trajectory wrapped in a
# record of its own: unwrapped into sweagent-runs/hackathon-<model>-<data>-<outcome>/
if [ -n "$HACK_GIT" ]; then
  extract "$HACK_GIT" "$HACK_COMMIT" "$TMP/hack" hackathon/data hackathon/data2
  (cd "$REPO_ROOT" && npx tsx bench/traces/unwrap-wrapped-sweagent-runs.ts "$TMP/hack/hackathon" "$RAW" \
    JoshuaPurtell/SWE-agent "$HACK_COMMIT") >&2
fi

echo "prepare-real-runs: raw trajectories in $RAW; converting" >&2
count() { find "$1" -name "$2" | wc -l; }
echo "prepare-real-runs: $(count "$RAW/sweagent_gpt4_acr" '*.traj') SWE-agent trajectories (manifest: 826)," \
  "$(count "$RAW/mini_gemini3pro/trajs" '*.traj.json') mini-swe-agent (500)," \
  "$(count "$RAW/moatless" '*.json' | awk '{print $1 - 3}') Moatless (891); AutoCodeRover (900) counted by the converter" >&2
(cd "$REPO_ROOT" && npx tsx bench/traces/convert-real-runs.ts "$RAW" "$OUT/corpus")
