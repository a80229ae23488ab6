# The go toolchain sandbox image: the base sandbox image plus Debian's golang-go.
# Built by `npm run sandbox:build go` (sandbox/build.sh) on top of nightshift-sandbox:bookworm, which
# build-offline.sh makes without a registry; with a registry, build sandbox/Dockerfile first under that tag.
ARG BASE=nightshift-sandbox:bookworm
FROM $BASE
USER root
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends golang-go \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb /var/log/*
USER agent
LABEL org.opencontainers.image.title=nightshift-sandbox-go
