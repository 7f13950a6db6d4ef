// Workers on a real Temporal server run as workers/worker.ts runs them: in a Worker Deployment
// version, made current once they poll. videoCommentary is PINNED, and the server refuses that
// behaviour from a worker without a version (the time-skipping server does not check).
import type { Client } from '@temporalio/client';
import type { WorkerDeploymentOptions } from '@temporalio/worker';
import { becomeCurrent, workerDeployment } from '../../workers/deployment';

const testVersion = { BING_DEPLOYMENT_NAME: 'bing', BING_BUILD_ID: 'test' } as const;

export const testDeployment: WorkerDeploymentOptions = workerDeployment(testVersion);

/** Call once the workers poll: until then the server does not know the version. */
export const makeTestVersionCurrent = (client: Client): Promise<boolean> =>
  becomeCurrent(client, { ...testVersion, BING_DEPLOYMENT_SET_CURRENT: 'always' });
