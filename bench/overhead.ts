// What BING adds around its GPU jobs, on the local stack, with jobs that finish at once: from the
// end of an upload to its MOT job's start, and the whole request less the jobs' own time.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { VideoStatus } from '../client/videos-service';
import { LocalStack } from '../test/helpers/stack';
import { testPattern } from '../test/helpers/videos';

export interface OverheadRow {
  scenario: string;
  videos: number;
  uploadToMotP50Ms: number;
  uploadToMotP95Ms: number;
  overheadP50Ms: number;
  overheadP95Ms: number;
  wallSeconds: number;
}

interface JobListing { name: string; startedAt: string; endedAt?: string }

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!);
};

export async function overheadBench(): Promise<OverheadRow[]> {
  const instant = join(__dirname, 'instant-job.mjs');
  const stack = await LocalStack.create({
    BING_JOB_COMMANDS: JSON.stringify({ mot: [process.execPath, instant, 'mot'], action: [process.execPath, instant, 'action'] }),
    BING_JOB_POLL: '100ms',
    BING_GPU_SLOTS: '8',
  });
  try {
    await stack.start();
    const video = await readFile(await testPattern(join(stack.dataDir, 'clip.mp4')));
    const key = await stack.apiKey();
    const call = (path: string, init: RequestInit = {}) =>
      fetch(`${stack.apiUrl}${path}`, { ...init, headers: { authorization: `Bearer ${key}`, ...(init.headers as Record<string, string>) } });
    const { client, close } = await stack.temporalClient();

    async function process(): Promise<string> {
      const res = await call('/v1/videos?name=bench.mp4', { method: 'POST', body: video });
      const { videoId, workflowId } = (await res.json()) as { videoId: string; workflowId: string };
      await client.workflow.getHandle(workflowId).result();
      return videoId;
    }

    async function measure(scenario: string, run: () => Promise<string[]>): Promise<OverheadRow> {
      const started = Date.now();
      const ids = await run();
      const wallSeconds = (Date.now() - started) / 1000;
      const { jobs } = (await (await call('/v1/jobs')).json()) as { jobs: JobListing[] };
      const byName = new Map(jobs.map((j) => [j.name, j]));
      const uploadToMot: number[] = [];
      const overhead: number[] = [];
      for (const id of ids) {
        const status = (await (await call(`/v1/videos/${id}`)).json()) as VideoStatus;
        const uploaded = Date.parse(status.stages.uploading.endedAt!);
        const [mot, action] = [byName.get(`video-${id}-mot-1`)!, byName.get(`video-${id}-action-1`)!];
        const jobMs = [mot, action].reduce((sum, j) => sum + Date.parse(j.endedAt!) - Date.parse(j.startedAt), 0);
        uploadToMot.push(Date.parse(mot.startedAt) - uploaded);
        overhead.push(Date.parse(status.closedAt!) - uploaded - jobMs);
      }
      return {
        scenario, videos: ids.length,
        uploadToMotP50Ms: percentile(uploadToMot, 50), uploadToMotP95Ms: percentile(uploadToMot, 95),
        overheadP50Ms: percentile(overhead, 50), overheadP95Ms: percentile(overhead, 95),
        wallSeconds: Math.round(wallSeconds * 10) / 10,
      };
    }

    try {
      const alone = await measure('one at a time', async () => {
        const ids: string[] = [];
        for (let i = 0; i < 50; i++) ids.push(await process());
        return ids;
      });
      const crowd = await measure('100 in flight', () => Promise.all(Array.from({ length: 100 }, process)));
      return [alone, crowd];
    } finally {
      await close();
    }
  } finally {
    await stack.dispose();
  }
}
