// The videoCommentary workflow's workers on a test server: real activities over a storage and a
// GPU-job runner the test chooses, the GPU activity on its own task queue.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../../activities';
import type { Storage } from '../../activities/storage/storage';
import { gpuTaskQueue, incomingKey, type UploadCompleted } from '../../contracts/video-commentary';
import { workflowsPath } from '../../workers/tools';
import { makeTestVersionCurrent, testDeployment } from './deployment';

/** Runs `fn` while both workers serve `taskQueue`. */
export async function runWithVideoWorkers<T>(env: TestWorkflowEnvironment, deps: Pick<ActivityDeps, 'storage' | 'runner' | 'callbacks'>, taskQueue: string, fn: () => Promise<T>): Promise<T> {
  // The test server stops skipping time while an activity runs; env.sleep between the GPU
  // activity's polls lets virtual time pass, ten seconds a poll, heartbeats in between.
  const activities = createActivities({ ...deps, jobPolling: { intervalMs: 10_000, sleep: (ms) => env.sleep(ms) } });
  const { runGpuJob, ...light } = activities;
  const versioned = !env.supportsTimeSkipping;
  const deployment = versioned ? { workerDeploymentOptions: testDeployment } : {};
  const main = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowsPath, activities: light, ...deployment });
  const gpu = await Worker.create({ connection: env.nativeConnection, taskQueue: gpuTaskQueue(taskQueue), activities: { runGpuJob }, maxHeartbeatThrottleInterval: '1ms', ...deployment });
  return gpu.runUntil(main.runUntil(async () => {
    if (versioned) await makeTestVersionCurrent(env.client);
    return fn();
  }));
}

/** A file or bytes stored where an upload lands: what the uploadCompleted signal carries. */
export async function storedUpload(storage: Storage, videoId: string, file: string | Buffer): Promise<UploadCompleted> {
  const key = incomingKey(videoId);
  const info = typeof file === 'string' ? await storage.upload(file, key) : await storage.put(key, file);
  return { key, size: info.size, sha256: info.sha256 };
}
