#!/usr/bin/env bash
# Builds the sandbox images without a registry: the base image (build-offline.sh, debootstrap) and the
# toolchain images on top of it (toolchains/<name>.Dockerfile, Debian packages only). Each image carries
# its recipe hash as the label nightshift.recipe and is rebuilt only when that hash changed.
# Usage: sandbox/build.sh [all|base|node|python|go|rust|java ...]   (default: all)
set -euo pipefail
cd "$(dirname "$0")"
base="${NIGHTSHIFT_SANDBOX_IMAGE:-nightshift-sandbox:bookworm}"
toolchains=(node python go rust java)
names=("$@")
[ ${#names[@]} -gt 0 ] && [ "${names[0]}" != "all" ] || names=(base "${toolchains[@]}")

label() { docker image inspect "$1" --format '{{index .Config.Labels "nightshift.recipe"}}' 2>/dev/null || true; }

build_base() {
  if [ "$(label "$base")" = "$(bash recipe-hash.sh)" ]; then echo "$base is up to date"; return; fi
  bash build-offline.sh "$base"
}

build_toolchain() {
  local name="$1" tag="nightshift-sandbox:$1" recipe
  [ -f "toolchains/$name.Dockerfile" ] || { echo "no toolchain named $name (have: ${toolchains[*]})" >&2; exit 2; }
  build_base
  recipe="$(bash recipe-hash.sh "$name")"
  if [ "$(label "$tag")" = "$recipe" ]; then echo "$tag is up to date"; return; fi
  echo "building $tag"
  # The base image is local: nothing is pulled; apt reaches only the Debian archive.
  DOCKER_BUILDKIT=0 docker build --quiet --build-arg "BASE=$base" --label "nightshift.recipe=$recipe" -t "$tag" \
    -f "toolchains/$name.Dockerfile" toolchains >/dev/null
  echo "built $tag ($(docker image inspect "$tag" --format '{{.Size}}') bytes)"
}

for name in "${names[@]}"; do
  if [ "$name" = base ]; then build_base; else build_toolchain "$name"; fi
done
