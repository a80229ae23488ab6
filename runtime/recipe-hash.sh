#!/usr/bin/env bash
# Prints a hash of everything the runtime image is built from: the recipe, the Node.js version, the
# lock file and Nightshift's sources (the image holds the built app). runtime/build-offline.sh stamps
# it on the image as the label nightshift.recipe; tests and .ci/run rebuild when it differs.
set -euo pipefail
cd "$(dirname "$0")/.."
{
  cat runtime/build-base.sh runtime/build-offline.sh runtime/node-version package.json package-lock.json app.yml
  cat tsconfig.json tsconfig.build.json sandbox/executor.py sandbox/gitconfig
  find src workers -type f -name '*.ts' | LC_ALL=C sort | xargs cat
} | sha256sum | cut -c1-16
