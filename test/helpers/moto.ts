// moto_server (S3, SageMaker and the rest of the AWS API, in memory) from the wheel that
// infra/install-tools puts in .tools/py, on a free loopback port for one test file.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { S3Storage, type S3StorageOptions } from '../../activities/storage/s3';
import { projectRoot } from '../../workers/tools';
import { freePort } from './ports';

export interface Moto {
  endpoint: string;
  /** Forgets everything moto holds, as a fresh server would. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

const pythonPath = join(projectRoot, '.tools', 'py');
const motoServer = join(pythonPath, 'bin', 'moto_server');

/** Dummy credentials and a region for the SDK's standard chain; moto accepts any. */
export function useDummyAwsCredentials(): void {
  process.env.AWS_ACCESS_KEY_ID = 'testing';
  process.env.AWS_SECRET_ACCESS_KEY = 'testing';
  process.env.AWS_REGION = 'us-east-1';
  process.env.AWS_DEFAULT_REGION = 'us-east-1';
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
}

/** Sets the AWS variables in process.env before its first await: call it before starting any other server. */
export async function startMoto(timeoutMs = 60_000): Promise<Moto> {
  if (!existsSync(motoServer)) throw new Error(`${motoServer} is missing: run infra/install-tools (npm ci runs it)`);
  useDummyAwsCredentials();
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn(motoServer, ['-H', '127.0.0.1', '-p', String(port)], {
    env: { ...process.env, PYTHONPATH: pythonPath, PYTHONDONTWRITEBYTECODE: '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // A test process that ends without calling stop() takes its server with it.
  const orphan = () => child.kill('SIGKILL');
  process.once('exit', orphan);
  void exited.then(() => process.off('exit', orphan));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killed = await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]);
      if (!killed) child.kill('SIGKILL');
    }
    await exited;
  };

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with ${child.exitCode}: ${stderr}`);
    const up = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(2000) }).then((r) => r.ok, () => false);
    if (up) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`moto_server did not answer on ${endpoint} within ${timeoutMs} ms: ${stderr}`);
    }
    await sleep(100);
  }

  const reset = async () => {
    const response = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
    if (!response.ok) throw new Error(`moto reset: ${response.status}`);
  };
  return { endpoint, reset, stop };
}

/** S3Storage on moto's S3, its bucket created. */
export async function motoBucket(moto: Moto, bucket: string, options: Omit<S3StorageOptions, 'bucket' | 'endpoint' | 'client'> = {}): Promise<S3Storage> {
  const storage = new S3Storage({ bucket, endpoint: moto.endpoint, region: 'us-east-1', ...options });
  await storage.client.send(new CreateBucketCommand({ Bucket: bucket }));
  return storage;
}
