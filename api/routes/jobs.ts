// GET /v1/jobs: the GPU jobs, with how many times a process or SageMaker job ran under each name.
import { Router } from 'express';
import type { JobView } from '../../contracts/gpu-jobs';
import type { VideosService } from '../../client/videos-service';

/** An operator's key (user '*') sees every job; a user's key sees the jobs of the user's videos. */
export function jobsRouter(view: JobView, videos: VideosService): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    const jobs = await view.list();
    let visible = jobs;
    if (!req.operator) {
      const { videos: own } = await videos.list(req.userId!, { pageSize: 1000 });
      const ids = new Set(own.map((v) => v.videoId));
      visible = jobs.filter((j) => j.subject !== undefined && ids.has(j.subject));
    }
    res.json({
      jobs: visible.map((j) => ({
        name: j.name, videoId: j.subject, kind: j.kind, status: j.status, starts: j.starts, progress: j.progress,
        startedAt: j.startedAt, endedAt: j.endedAt,
        seconds: ((j.endedAt ? Date.parse(j.endedAt) : Date.now()) - Date.parse(j.startedAt)) / 1000,
        failureReason: j.failureReason,
      })),
    });
  });
  return router;
}
