#!/usr/bin/env bash
# Builds the Nightshift runtime image (server and worker of docker-compose.yml) without a container
# registry, like sandbox/build-offline.sh: a base from debootstrap and the npm registry's Node.js
# (runtime/build-base.sh, reused while its recipe is unchanged), then the app layer with `docker build`
# from that local base: dist/ built here, production node_modules (`npm ci --omit=dev`), app.yml and
# sandbox/. Same layout as ./Dockerfile. Usage: runtime/build-offline.sh [TAG]  (default
# nightshift:runtime). Needs root, debootstrap, npm and a Docker engine. Stamps nightshift.recipe.
set -euo pipefail
cd "$(dirname "$0")/.."
tag="${1:-nightshift:runtime}"
docker version >/dev/null 2>&1 || { echo "no Docker engine answers: start dockerd" >&2; exit 1; }

base="nightshift-runtime-base:node$(cat runtime/node-version)"
want="$(cat runtime/build-base.sh runtime/node-version | sha256sum | cut -c1-16)"
have="$(docker image inspect "$base" --format '{{index .Config.Labels "nightshift.base-recipe"}}' 2>/dev/null || true)"
[ "$have" = "$want" ] || bash runtime/build-base.sh "$base"

work="$(mktemp -d /tmp/nightshift-runtime.XXXXXX)"
trap 'rm -rf "$work"' EXIT
app="$work/app"
mkdir -p "$app/sandbox"
echo "nightshift: build and production dependencies"
npm run --silent build
cp -r dist "$app/dist"
cp package.json package-lock.json app.yml "$app/"
cp sandbox/executor.py sandbox/gitconfig sandbox/Dockerfile sandbox/build-offline.sh sandbox/recipe-hash.sh "$app/sandbox/"
(cd "$app" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --silent)
cat >"$work/Dockerfile" <<DOCKERFILE
FROM $base
COPY app /app
LABEL org.opencontainers.image.title=nightshift nightshift.recipe=$(bash runtime/recipe-hash.sh)
ENV NIGHTSHIFT_WORKSPACES=/var/lib/nightshift/workspaces NIGHTSHIFT_DATA_DIR=/var/lib/nightshift/data
USER nightshift
WORKDIR /app
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/node", "/app/dist/src/cli/bin.js"]
CMD ["start"]
DOCKERFILE
docker build -q -t "$tag" "$work" >/dev/null
echo "built $tag"
