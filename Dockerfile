# The deploywatch worker and alert bridge (docker-compose.yml runs one image as both).
# Production runs the compiled JavaScript: the build stage compiles src/ to dist/, and the image
# holds dist/ with production dependencies only (no TypeScript, no tsx).
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:20-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` builds from sources, which this stage does not have; dist/ comes built.
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY plans ./plans
USER node
CMD ["node", "dist/worker.js"]
