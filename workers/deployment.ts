// Worker Deployment versioning: every worker process declares its deployment and build id, and a
// version receives tasks only once it is the deployment's current (or ramping) version. Workflows
// say how they move between versions (workflows/: videoCommentary PINNED, retraining AUTO_UPGRADE).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { status as grpcStatus } from '@grpc/grpc-js';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { WorkerDeploymentOptions } from '@temporalio/worker';
import pRetry from 'p-retry';
import type { Config } from '../common/config';
import { projectRoot } from './tools';

/** The default build id `npm run build` wrote beside the compiled workers (dist/.build-id), by the rule below. */
const builtBuildIdFile = join(__dirname, '..', '.build-id');

/** From source: the package version, and the commit when this is a git checkout (`0.1.0+abc1234`). */
function sourceBuildId(): string {
  const { version } = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string };
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: projectRoot, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    return commit ? `${version}+${commit}` : version;
  } catch {
    return version;
  }
}

/** BING_BUILD_ID, else the build's default, else the source's. */
export function buildId(config: Pick<Config, 'BING_BUILD_ID'>): string {
  if (config.BING_BUILD_ID) return config.BING_BUILD_ID;
  return existsSync(builtBuildIdFile) ? readFileSync(builtBuildIdFile, 'utf8').trim() : sourceBuildId();
}

/** What every Worker.create of this process is given. */
export function workerDeployment(config: Pick<Config, 'BING_DEPLOYMENT_NAME' | 'BING_BUILD_ID'>): WorkerDeploymentOptions {
  return {
    version: { deploymentName: config.BING_DEPLOYMENT_NAME, buildId: buildId(config) },
    useWorkerVersioning: true,
    // Workflows annotate their own behaviour; one that does not stays on the version that started it.
    defaultVersioningBehavior: 'PINNED',
  };
}

/**
 * Makes this worker's version the deployment's current one: `always` (npm start, where the newest
 * checkout is the one to run), or `if-none` (the first version of a deployment; later ones are
 * rolled out by an operator, README "Rolling out a new version"). Resolves to whether it did.
 * A version exists once its workers poll: until then the server answers not found, and we ask again.
 */
export async function becomeCurrent(client: Client, config: Pick<Config, 'BING_DEPLOYMENT_NAME' | 'BING_BUILD_ID' | 'BING_DEPLOYMENT_SET_CURRENT'>): Promise<boolean> {
  const mode = config.BING_DEPLOYMENT_SET_CURRENT;
  if (mode === 'never') return false;
  const { deploymentName, buildId: id } = workerDeployment(config).version;
  const service = client.workflowService;
  const namespace = client.options.namespace;
  return pRetry(async () => {
    const current = await currentBuildId(client, deploymentName);
    const change = current !== id && (mode === 'always' || current === undefined);
    if (change) await service.setWorkerDeploymentCurrentVersion({ namespace, deploymentName, buildId: id, identity: client.options.identity });
    if (mode === 'always') await movePinnedWorkflows(client, { deploymentName, buildId: id });
    return change;
  }, { retries: 120, factor: 1, minTimeout: 500, shouldRetry: ({ error }) => versionNotYetKnown(error) });
}

/**
 * Under npm start no worker keeps running an older version: the running workflows pinned to one
 * would wait for ever, so they move to this version (replaying their history on its code, as they
 * did before versioning). An operator's deployment drains old versions instead (README).
 */
async function movePinnedWorkflows(client: Client, version: { deploymentName: string; buildId: string }): Promise<void> {
  const query = `TemporalWorkerDeployment = "${version.deploymentName}" AND TemporalWorkflowVersioningBehavior = "Pinned" AND ExecutionStatus = "Running"`;
  for await (const workflow of client.workflow.list({ query })) {
    // A listing leaves out the versioning details; a description has them.
    const { raw } = await client.workflow.getHandle(workflow.workflowId, workflow.runId).describe();
    const info = raw.workflowExecutionInfo?.versioningInfo;
    const pinnedTo = info?.versioningOverride?.pinned?.version?.buildId ?? info?.deploymentVersion?.buildId;
    if (pinnedTo === version.buildId) continue;
    await client.workflowService.updateWorkflowExecutionOptions({
      namespace: client.options.namespace,
      workflowExecution: { workflowId: workflow.workflowId, runId: workflow.runId },
      workflowExecutionOptions: { versioningOverride: { pinned: { behavior: PinnedOverrideBehavior.PINNED_OVERRIDE_BEHAVIOR_PINNED, version } } },
      updateMask: { paths: ['versioning_override'] },
      identity: client.options.identity,
    });
  }
}

/** The build id of the deployment's current version; undefined when it has none (or does not exist yet). */
export async function currentBuildId(client: Client, deploymentName: string): Promise<string | undefined> {
  try {
    const { workerDeploymentInfo } = await client.workflowService.describeWorkerDeployment({ namespace: client.options.namespace, deploymentName });
    return workerDeploymentInfo?.routingConfig?.currentDeploymentVersion?.buildId || undefined;
  } catch (err) {
    if (grpcCode(err) === grpcStatus.NOT_FOUND) return undefined;
    throw err;
  }
}

const { PinnedOverrideBehavior } = temporal.api.workflow.v1.VersioningOverride;

const grpcCode = (err: unknown) => (err as { code?: number }).code;
const versionNotYetKnown = (err: unknown) => grpcCode(err) === grpcStatus.NOT_FOUND || grpcCode(err) === grpcStatus.FAILED_PRECONDITION;
