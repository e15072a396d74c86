# scalekit-emulator. `docker build .` builds the emulator (the last stage); docker-compose.yml builds
# both final targets by name.
#
#   build            npm ci with dev dependencies (better-sqlite3 compiles here), npm run build
#   prod-deps        the same node_modules pruned to production dependencies
#   todo-mcp-server  the example MCP server (needs the MCP and Scalekit SDKs, dev dependencies here)
#   emulator         production dependencies + dist/src + migrations; runs as `node`, data in /data
#
# No secrets are baked in: credentials come from the environment at run time.

FROM node:22-bookworm-slim AS build
# better-sqlite3 12 compiles from source when no prebuilt binary can be fetched.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
# node-gyp: use the headers that ship with the image instead of downloading them.
ENV npm_config_nodedir=/usr/local
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY migrations ./migrations
COPY views ./views
COPY src ./src
COPY examples ./examples
RUN npm run build

FROM build AS prod-deps
# Drop dev dependencies, and better-sqlite3's sources, static library and objects: only the .node stays.
RUN npm prune --omit=dev --no-audit --no-fund \
 && cd node_modules/better-sqlite3 \
 && mv build/Release/better_sqlite3.node . \
 && rm -rf build deps src \
 && mkdir -p build/Release \
 && mv better_sqlite3.node build/Release/

FROM node:22-bookworm-slim AS todo-mcp-server
ENV NODE_ENV=production PORT=3002
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
EXPOSE 3002
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3002)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/examples/todo-mcp-server/main.js"]

FROM node:22-bookworm-slim AS emulator
ENV NODE_ENV=production DATA_DIR=/data PORT=8080 HOST=0.0.0.0
WORKDIR /app
# A named volume mounted on /data starts as a copy of this (empty, owned by node, 0700) folder: the
# emulator keeps its data owner-only and would otherwise tighten it at the first start, with a warning.
RUN mkdir -p /data && chown node:node /data && chmod 0700 /data
COPY --from=prod-deps /app/package.json /app/package-lock.json ./
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/migrations ./migrations
COPY --from=build /app/views ./views
COPY --from=build /app/dist/src ./dist/src
USER node
VOLUME /data
EXPOSE 8080
# With TLS on (TLS=1 or TLS_CERT) the port speaks HTTPS only. The probe asks whether the server answers
# on loopback; whether clients trust its certificate is theirs to check.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "const tls=!!process.env.TLS_CERT||/^(1|true)$/.test(process.env.TLS||'');require(tls?'node:https':'node:http').get((tls?'https':'http')+'://127.0.0.1:'+(process.env.PORT||8080)+'/health',{rejectUnauthorized:false},r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1))"]
CMD ["node", "dist/src/cli/main.js", "start"]
