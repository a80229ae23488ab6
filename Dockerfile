# Nightshift server and worker image (docker-compose.yml), for machines that reach Docker Hub.
# Without a registry, runtime/build-offline.sh builds the same image from Debian packages and the npm
# registry's Node.js. The sandbox image is separate: sandbox/.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src src
COPY workers workers
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
# git: clones and trusted patch application; redis-server: `nightshift start` without REDIS_URL;
# tini reaps git's children.
RUN apt-get update && apt-get install -y --no-install-recommends git ca-certificates redis-server tini procps iptables e2fsprogs \
  && rm -rf /var/lib/apt/lists/* \
  && usermod -l nightshift -d /home/nightshift -m node && groupmod -n nightshift node \
  && mkdir -p /var/lib/nightshift/workspaces /var/lib/nightshift/data /var/lib/nightshift/config \
  && chown -R 1000:1000 /var/lib/nightshift
ENV NODE_ENV=production NIGHTSHIFT_WORKSPACES=/var/lib/nightshift/workspaces NIGHTSHIFT_DATA_DIR=/var/lib/nightshift/data
WORKDIR /app
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY package.json app.yml ./
COPY sandbox/executor.py sandbox/gitconfig sandbox/Dockerfile sandbox/build-offline.sh sandbox/recipe-hash.sh sandbox/
USER nightshift
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/dist/src/cli/bin.js"]
CMD ["start"]
