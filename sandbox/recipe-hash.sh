#!/usr/bin/env bash
# Prints a hash of everything a sandbox image is built from: the base image (no argument) or a toolchain
# image on top of it (`recipe-hash.sh node`). The build stamps it on the image as the label
# nightshift.recipe; .ci/run and sandbox/build.sh rebuild an image when its label differs.
set -euo pipefail
cd "$(dirname "$0")"
if [ $# -eq 0 ]; then
  cat Dockerfile build-offline.sh gitconfig | sha256sum | cut -c1-16
else
  { bash recipe-hash.sh; cat "toolchains/$1.Dockerfile"; } | sha256sum | cut -c1-16
fi
