# The platform's image: the compiled server (platform/dist), both built UIs, schemas and
# tenants, production dependencies only, run as the unprivileged `node` user.
# API:    docker run <image>                       (node platform/dist/main.js)
# Worker: docker run <image> node platform/dist/worker.js
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY platform/package.json platform/
COPY admin-ui/package.json admin-ui/
COPY public-ui/package.json public-ui/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

FROM ${NODE_IMAGE} AS production-dependencies
WORKDIR /app
COPY package.json package-lock.json ./
COPY platform/package.json platform/
COPY admin-ui/package.json admin-ui/
COPY public-ui/package.json public-ui/
RUN npm ci --omit=dev --workspace platform --no-audit --no-fund

FROM ${NODE_IMAGE}
ENV NODE_ENV=production PORT=3000 DATA_DIR=/data
WORKDIR /app
COPY --from=production-dependencies /app/node_modules node_modules
COPY --from=build /app/platform/dist platform/dist
COPY --from=build /app/admin-ui/dist admin-ui/dist
COPY --from=build /app/public-ui/dist public-ui/dist
COPY schemas schemas
COPY tenants tenants
RUN mkdir /data && chown node:node /data
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s CMD node -e "fetch('http://127.0.0.1:3000/health/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
# The V8 settings of `npm start` (docs/deployment.md, "Start and memory").
CMD ["node", "--max-semi-space-size=4", "--optimize-for-size", "platform/dist/main.js"]
