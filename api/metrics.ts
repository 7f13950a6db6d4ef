// The API's /metrics for Prometheus: the Node process's own (prom-client's defaults), the bytes
// users uploaded, and how many video requests are in each stage now. Unauthenticated, as /healthz:
// it carries no user, video or key, only totals (block it at the proxy if even those are private).
import type { Client } from '@temporalio/client';
import { Router } from 'express';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { uploadRegistry } from '../client/upload-metrics';
import { searchAttributes, stageNames } from '../contracts/video-commentary';

/** This process's metrics: one set however many apps it serves. */
const processRegistry = new Registry();
collectDefaultMetrics({ register: processRegistry });

export function metricsRouter(client: Client): Router {
  const appRegistry = new Registry();
  new Gauge({
    name: 'bing_requests_in_flight',
    help: 'Video requests running now, by the stage they are in (counted by Temporal visibility at each scrape)',
    labelNames: ['stage'],
    registers: [appRegistry],
    async collect() {
      const counts = await Promise.all(stageNames.map((stage) => client.workflow
        .count(`WorkflowType = 'videoCommentary' AND ExecutionStatus = 'Running' AND ${searchAttributes.stage.name} = '${stage}'`)
        .then((c) => c.count, () => undefined)));
      // A stage Temporal did not answer for is left out rather than reported as zero.
      this.reset();
      stageNames.forEach((stage, i) => {
        if (counts[i] !== undefined) this.set({ stage }, counts[i]);
      });
    },
  });
  const registry = Registry.merge([processRegistry, uploadRegistry, appRegistry]);
  return Router().get('/metrics', async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });
}
