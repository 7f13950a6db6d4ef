// Paths of the tools that infra/install-tools puts in .tools/: the SDK gets them as existing paths.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const projectRoot = resolve(__dirname, '..');
const toolsBin = join(projectRoot, '.tools', 'py', 'bin');

function tool(name: string): string {
  const path = join(toolsBin, name);
  if (!existsSync(path)) throw new Error(`${path} is missing: run infra/install-tools (npm ci runs it)`);
  return path;
}

export const temporalCli = (): string => tool('temporal');
export const temporalTestServer = (): string => tool('temporal-test-server');

/** The workflow code the worker bundles for Temporal's sandbox. */
export const workflowsPath = join(projectRoot, 'workflows', 'index.ts');
