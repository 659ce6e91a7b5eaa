# Streamwarden: multi-stage build on a supported Node LTS. The runtime stage holds the bundled bot (dist/), the
# migrations and the production dependencies only; it runs as an unprivileged user with /data as its volume.
# BASE is a build argument so the image can be checked offline on a local base (scripts/image-check).
ARG BASE=node:24-alpine

FROM ${BASE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY patches ./patches
COPY scripts/apply-patches.mjs ./scripts/
# Scripts of dependencies stay off; our one patch (patches/: postgres.js's null-socket guard) is applied by our own
# dependency-free script (the postinstall of a Node install), so it needs no dev dependency.
RUN npm ci --no-audit --no-fund --ignore-scripts && node scripts/apply-patches.mjs
COPY tsconfig.json ./
COPY src ./src
COPY commands ./commands
# The language catalogues are bundled into dist/ by the build.
COPY locales ./locales
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM ${BASE}
# STREAMWARDEN_CONTAINER tells the bot it runs in a container (advice for a media server at localhost).
# Port 7566: 8080 is qBittorrent's and SABnzbd's.
ENV NODE_ENV=production \
    DATA_DIR=/data \
    HTTP_PORT=7566 \
    HTTP_HOST=0.0.0.0 \
    LOG_FORMAT=json \
    STREAMWARDEN_CONTAINER=1
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY drizzle ./drizzle
# uid 1000 is the `node` user of the official images; numeric so any base works.
RUN mkdir -p /data && chown 1000:1000 /data
USER 1000:1000
VOLUME ["/data"]
EXPOSE 7566
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.HTTP_PORT+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "--enable-source-maps", "dist/main.js"]

# OCI labels, last so that a new revision or build time changes no layer. The release workflow passes the tag's
# version, the commit and the build time; scripts/image-check passes them for a local build. VERSION's default
# follows package.json (a unit test keeps them equal).
ARG VERSION=0.2.0
ARG REVISION=
ARG CREATED=
LABEL org.opencontainers.image.title="Streamwarden" \
      org.opencontainers.image.description="Discord bot enforcing stream caps and download quotas on Plex, Jellyfin and Emby" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.url="https://github.com/streamwarden/streamwarden" \
      org.opencontainers.image.source="https://github.com/streamwarden/streamwarden"
