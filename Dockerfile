# The deploywatch worker and alert bridge (docker-compose.yml runs one image as both).
# TypeScript runs through tsx, as in development: no build step, one source of truth.
FROM node:20-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY tsconfig.json ./
COPY bin ./bin
COPY plans ./plans
COPY src ./src
USER node
CMD ["npx", "tsx", "src/worker.ts"]
