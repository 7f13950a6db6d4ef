# BING's service images, one target each, all from the build output (`npm run build`, dist/) run
# with plain node:
#   docker build --target api -t bing-api .          the HTTP API and web page (port 8080)
#   docker build --target worker -t bing-worker .    workflows and light activities (task queue bing)
#   docker build --target gpu-worker -t bing-gpu .   GPU jobs (bing-gpu), the reference jobs run by the local runner
#   docker build --target s3-events -t bing-s3 .     the SQS consumer of S3 weight-file events
# Node 22 on Debian (glibc: Temporal's core bridge does not run on Alpine), as the image's user `node` (1000).
# docker-compose.yml builds every target; the reference jobs' SageMaker images are jobs/Dockerfile's targets.

FROM node:22-slim AS node
ENV NODE_ENV=production BING_DATA_DIR=/data
WORKDIR /app
RUN mkdir /data && chown 1000:1000 /data

# The build: every dependency, dev ones too (NODE_ENV is production), tsc, the workflow bundle.
FROM node AS build
COPY package.json package-lock.json ./
RUN npm ci --include=dev --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY infra/build infra/
COPY contracts contracts
COPY workflows workflows
COPY activities activities
COPY workers workers
COPY client client
COPY api api
COPY jobs jobs
COPY common common
RUN npm run build

# What runs: the production dependencies and the build output.
FROM node AS app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist dist

FROM node AS api
COPY --from=app /app /app
USER 1000:1000
ENV BING_API_HOST=0.0.0.0 BING_API_PORT=8080
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.BING_API_PORT}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/api/server.js"]

FROM node AS s3-events
COPY --from=app /app /app
USER 1000:1000
CMD ["node", "dist/workers/s3-events.js"]

# ffmpeg probes uploads and makes the commentated video; the MOT job decodes frames with it.
FROM node AS ffmpeg
# Debian's current stable packages, security updates included: their versions are not pinned.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg \
 && rm -rf /var/lib/apt/lists/*

# The worker: workflows and light activities; espeak-ng speaks the commentary (BING_TTS=espeak).
FROM ffmpeg AS worker
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends espeak-ng \
 && rm -rf /var/lib/apt/lists/*
COPY --from=app /app /app
USER 1000:1000
ENV BING_WORKER_ROLE=workflows
CMD ["node", "dist/workers/worker.js"]

# The GPU-job worker: its activity slots (BING_GPU_SLOTS) are the GPU quota; with BING_GPU_RUNNER=local
# it runs the reference jobs (dist/jobs) as child processes in BING_DATA_DIR/jobs.
FROM ffmpeg AS gpu-worker
COPY --from=app /app /app
USER 1000:1000
ENV BING_WORKER_ROLE=gpu
CMD ["node", "dist/workers/worker.js"]
