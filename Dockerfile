# The exporter (and the demo seeder) image used by docker-compose.yml: build, then a slim
# production stage with production dependencies only, running as the unprivileged `node` user.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY exporter ./exporter
COPY dashboards ./dashboards
COPY alerts ./alerts
COPY scripts ./scripts
COPY demo ./demo
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
USER node
EXPOSE 9470
CMD ["node", "dist/exporter/src/main.js"]
