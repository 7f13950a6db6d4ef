// Worker Deployment versioning under `npm start`: the worker joins deployment `bing` as the build
// id it is given, makes that version current, and a video request runs PINNED to it while the
// retraining workflow runs AUTO_UPGRADE, as the server records them; a request left pinned to an
// old version by a restart on new code moves to the new version and completes.
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { join } from 'node:path';
import type { VideoStatus } from '../client/videos-service';
import { currentBuildId } from '../workers/deployment';
import { makeClip } from './fixtures/clip';
import { LocalStack } from './helpers/stack';

const { VersioningBehavior } = temporal.api.enums.v1;
const user = 'vera';
const buildId = '2.0.0+versioning-test';

let stack: LocalStack;
let clip: string;

beforeAll(async () => {
  stack = await LocalStack.create({ BING_BUILD_ID: buildId, BING_WORKER_METRICS_ADDRESS: '' });
  clip = (await makeClip({ seed: 107, outDir: join(stack.dataDir, 'clip'), seconds: 8 })).videoPath;
  await stack.start();
}, 300_000);

afterAll(async () => {
  await stack?.dispose();
});

/** The versioning the server recorded for a workflow, once it has completed a workflow task. */
async function versioningOf(workflowId: string) {
  const { client, close } = await stack.temporalClient();
  try {
    for (;;) {
      const { raw } = await client.workflow.getHandle(workflowId).describe();
      const info = raw.workflowExecutionInfo?.versioningInfo;
      if (info?.behavior) return { behavior: info.behavior, deploymentName: info.deploymentVersion?.deploymentName, buildId: info.deploymentVersion?.buildId };
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    await close();
  }
}

describe('Worker Deployment versioning on the local stack', () => {
  it('makes the worker\'s version the current version of deployment bing', async () => {
    const { client, close } = await stack.temporalClient();
    try {
      // The worker sets it once its pollers have made the version known to the server.
      await vi.waitFor(async () => expect(await currentBuildId(client, 'bing')).toBe(buildId), { timeout: 60_000, interval: 200 });
    } finally {
      await close();
    }
    expect(stack.log).toContain(`deployment bing, version ${buildId}`);
  });

  it('processes a video pinned to that version', async () => {
    const videoId = await stack.upload(clip, user);
    const status = await stack.waitFor(videoId, user, (s: VideoStatus) => s.status !== 'running');
    expect(status.status, status.error).toBe('completed');
    expect(await versioningOf(`video-${videoId}`)).toEqual({ behavior: VersioningBehavior.VERSIONING_BEHAVIOR_PINNED, deploymentName: 'bing', buildId });
  });

  it('runs retraining auto-upgrading', async () => {
    const res = await stack.api('/v1/models/mot/weights?name=versioning.pt', user, { method: 'POST', body: 'weights', headers: { 'content-type': 'application/octet-stream' } });
    expect(res.status).toBe(202);
    expect(await versioningOf('retraining-mot')).toEqual({ behavior: VersioningBehavior.VERSIONING_BEHAVIOR_AUTO_UPGRADE, deploymentName: 'bing', buildId });
  });

  it('moves a request pinned to a version no worker runs any more to the new one, when npm start starts a new checkout', async () => {
    const videoId = await stack.upload(clip, user);
    const inMot = await stack.waitFor(videoId, user, (s) => s.stage === 'mot' || s.status !== 'running');
    expect(inMot.stage).toBe('mot');
    await stack.stop();
    stack.env.BING_BUILD_ID = '2.0.1+versioning-test';
    await stack.start();
    const status = await stack.waitFor(videoId, user, (s) => s.status !== 'running');
    expect(status.status, status.error).toBe('completed');
    const { client, close } = await stack.temporalClient();
    try {
      expect(await currentBuildId(client, 'bing')).toBe('2.0.1+versioning-test');
      const { raw } = await client.workflow.getHandle(`video-${videoId}`).describe();
      expect(raw.workflowExecutionInfo?.versioningInfo?.versioningOverride?.pinned?.version?.buildId).toBe('2.0.1+versioning-test');
    } finally {
      await close();
    }
  }, 300_000);
});
