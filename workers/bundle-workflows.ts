// The workflow code as one prebundled file. `npm run build` runs this module compiled, which writes
// the bundle next to it (dist/workers/workflow-bundle.js); a worker that finds the bundle there
// loads it instead of bundling the workflows at start, as it still does when run from source.
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bundleWorkflowCode, DefaultLogger, type WorkerOptions } from '@temporalio/worker';
import { workflowsPath } from './tools';

export const workflowBundlePath = join(__dirname, 'workflow-bundle.js');
/** The same workflows with the OpenTelemetry workflow interceptors, for a worker with tracing on. */
export const tracedWorkflowBundlePath = join(__dirname, 'workflow-bundle-traced.js');
export const tracingWorkflowModules = [require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors')];

/**
 * The worker's workflow code: the prebundled file when there is one, else the workflows to bundle.
 * Traced: with the OpenTelemetry workflow interceptors, which export their spans through a sink the
 * worker must then register (without it each activation would log an unregistered sink call).
 */
export function workflowCode(traced = false): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath' | 'interceptors'> {
  const bundle = traced ? tracedWorkflowBundlePath : workflowBundlePath;
  if (existsSync(bundle)) return { workflowBundle: { codePath: bundle } };
  return traced ? { workflowsPath, interceptors: { workflowModules: tracingWorkflowModules } } : { workflowsPath };
}

/**
 * Bundles the workflows this module was compiled with: dist/workflows beside dist/workers. A worker
 * given a bundle ignores its own workflow interceptor modules and converter paths: any the worker
 * names must be named here too.
 */
async function main(): Promise<void> {
  const variants: [string, string[]][] = [[workflowBundlePath, []], [tracedWorkflowBundlePath, tracingWorkflowModules]];
  for (const [path, workflowInterceptorModules] of variants) {
    const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), workflowInterceptorModules, logger: new DefaultLogger('WARN') });
    await writeFile(path, code);
    process.stdout.write(`workflow bundle: ${(code.length / 1024).toFixed(0)} KiB (${path})\n`);
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`bundle-workflows: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
