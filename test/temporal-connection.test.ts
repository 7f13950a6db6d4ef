// BING on a secured Temporal cluster: its processes connect through common/temporal-connection.ts
// with the SDK's standard settings. The dev server stands behind proxies made here: one requiring
// mutual TLS with certificates this test signs, one recording the API key each gRPC call carries.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { NativeConnection } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../common/config';
import { connectTemporalClient, devServerEnv, temporalConnection } from '../common/temporal-connection';
import { projectRoot } from '../workers/tools';
import { BingApi } from './helpers/bing-api';
import { BingProcess } from './helpers/bing-process';
import { makeTestPki, type TestPki } from './helpers/certificates';
import { freePort } from './helpers/ports';
import { localEnv } from './helpers/temporal';
import { grpcRecordingProxy, mutualTlsProxy, type GrpcRecordingProxy, type MutualTlsProxy } from './helpers/temporal-proxies';
import { testPattern } from './helpers/videos';

/** config.ts's defaults: what the connection falls back to. */
const defaults = loadConfig({});

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bing-temporal-connection-'));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('on a secured cluster', () => {
  let env: TestWorkflowEnvironment;
  let pki: TestPki;

  beforeAll(async () => {
    [env, pki] = await Promise.all([localEnv(), makeTestPki(dir)]);
  });

  afterAll(async () => {
    await env?.teardown();
  });

  describe('behind a proxy that requires mutual TLS', () => {
    let proxy: MutualTlsProxy;
    let tlsEnv: Record<string, string>;

    beforeAll(async () => {
      proxy = await mutualTlsProxy(env.address, pki.server, pki.ca);
      tlsEnv = {
        TEMPORAL_ADDRESS: proxy.address,
        TEMPORAL_TLS_SERVER_CA_CERT_PATH: pki.ca.certPath,
        TEMPORAL_TLS_CLIENT_CERT_PATH: pki.client.certPath,
        TEMPORAL_TLS_CLIENT_KEY_PATH: pki.client.keyPath,
      };
    });

    afterAll(async () => {
      await proxy?.close();
    });

    it('processes a video with an API and a worker that reach Temporal only through it', async () => {
      const dataDir = join(dir, 'mtls-data');
      const apiKey = 'mtls-test-key-0123456789';
      const port = await freePort();
      const instantJob = join(projectRoot, 'bench', 'instant-job.mjs');
      // No HOME: no temporal.toml of this machine's user takes part.
      const processEnv = {
        PATH: process.env.PATH, ...tlsEnv,
        BING_DATA_DIR: dataDir, BING_API_PORT: String(port), BING_API_KEYS: `${apiKey}:*`, BING_JOB_POLL: '100ms',
        BING_JOB_COMMANDS: JSON.stringify({ mot: [process.execPath, instantJob, 'mot'], action: [process.execPath, instantJob, 'action'] }),
      };
      const worker = new BingProcess('workers/worker.ts', processEnv);
      const api = new BingProcess('api/server.ts', processEnv);
      try {
        const apiUrl = `http://127.0.0.1:${port}`;
        await Promise.all([
          worker.waitFor(() => worker.log.includes('workers polling')),
          api.waitFor(() => fetch(`${apiUrl}/healthz`).then((r) => r.ok, () => false)),
        ]);
        const gateway = new BingApi(apiUrl, async () => apiKey);
        const videoId = await gateway.upload(await testPattern(join(dir, 'mtls-clip.mp4')), 'ops');
        const status = await gateway.waitFor(videoId, 'ops', (s) => s.status !== 'running');
        expect(status.status, `${status.error}\n${worker.log}`).toBe('completed');
        expect(status.result!.results.commentary).toBe(`results/${videoId}/commentary.json`);
      } finally {
        await Promise.all([worker.stop(), api.stop()]);
      }
      expect(proxy.accepted).toBeGreaterThanOrEqual(2);
      expect(proxy.refusals).toEqual([]);
    });

    it('lets infra/register-search-attributes reach the cluster with the same settings', async () => {
      const acceptedBefore = proxy.accepted;
      const { stdout } = await promisify(execFile)(join(projectRoot, 'infra', 'register-search-attributes'), { env: { PATH: process.env.PATH, ...tlsEnv } });
      expect(proxy.accepted).toBeGreaterThan(acceptedBefore);
      expect(stdout).toMatch(/^BingVideoId: (already registered|registered as Keyword)$/m);
      expect(stdout).toMatch(/^BingVideoSeconds: (already registered|registered as Double)$/m);
    });

    it('refuses a client without a client certificate', async () => {
      const { TEMPORAL_TLS_CLIENT_CERT_PATH: _cert, TEMPORAL_TLS_CLIENT_KEY_PATH: _key, ...withoutCert } = tlsEnv;
      const refusalsBefore = proxy.refusals.length;
      await expect(NativeConnection.connect(temporalConnection(defaults, withoutCert).connectionOptions)).rejects.toThrow();
      expect(proxy.refusals.slice(refusalsBefore)).toContain('ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE');
    });
  });

  describe('with an API key', () => {
    let proxy: GrpcRecordingProxy;

    beforeAll(async () => {
      proxy = await grpcRecordingProxy(env.address, pki.server);
    });

    afterAll(async () => {
      await proxy?.close();
    });

    it('sends the key as a bearer token on every call, from the client and the worker\'s connection alike', async () => {
      const apiKey = 'tmprl-test-api-key-0123456789';
      // The key turns TLS on, as Temporal Cloud needs; the server's CA is given as data this time.
      const keyEnv = { TEMPORAL_ADDRESS: proxy.address, TEMPORAL_API_KEY: apiKey, TEMPORAL_TLS_SERVER_CA_CERT_DATA: pki.ca.cert };
      const client = await connectTemporalClient(defaults, keyEnv);
      try {
        const { namespaceInfo } = await client.workflowService.describeNamespace({ namespace: client.options.namespace });
        expect(namespaceInfo?.name).toBe('default');
      } finally {
        await client.connection.close();
      }
      const native = await NativeConnection.connect(temporalConnection(defaults, keyEnv).connectionOptions);
      await native.workflowService.getSystemInfo({});
      await native.close();
      expect(proxy.calls.map((c) => c.path)).toContain('/temporal.api.workflowservice.v1.WorkflowService/DescribeNamespace');
      expect(proxy.calls.length).toBeGreaterThanOrEqual(3);
      for (const call of proxy.calls) expect(call.authorization, call.path).toBe(`Bearer ${apiKey}`);
    });
  });
});

describe('the connection settings', () => {
  const profiles = `
[profile.default]
address = "default.example:7233"

[profile.cloud]
address = "bing.a1b2c.tmprl.cloud:7233"
namespace = "bing.a1b2c"
api_key = "profile-key"
`;

  it('take TEMPORAL_* variables over the temporal.toml profile, and config.ts\'s defaults where neither says', async () => {
    const toml = join(dir, 'temporal.toml');
    await writeFile(toml, profiles);
    const cloud = temporalConnection(defaults, { TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'cloud' });
    expect(cloud).toEqual({
      namespace: 'bing.a1b2c',
      connectionOptions: { address: 'bing.a1b2c.tmprl.cloud:7233', apiKey: 'profile-key', tls: true, metadata: undefined },
    });
    const overridden = temporalConnection(defaults, { TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'cloud', TEMPORAL_NAMESPACE: 'other', TEMPORAL_API_KEY: 'env-key' });
    expect(overridden.namespace).toBe('other');
    expect(overridden.connectionOptions.apiKey).toBe('env-key');
    expect(temporalConnection(defaults, { TEMPORAL_CONFIG_FILE: toml }).connectionOptions.address).toBe('default.example:7233');
    const none = temporalConnection(defaults, { TEMPORAL_CONFIG_FILE: join(dir, 'absent.toml') });
    expect(none).toEqual({ namespace: 'default', connectionOptions: { address: '127.0.0.1:7233', apiKey: undefined, tls: undefined, metadata: undefined } });
  });

  it('point npm start\'s processes at its own dev server, whatever the user\'s settings name', async () => {
    const toml = join(dir, 'user.toml');
    await writeFile(toml, profiles);
    const userEnv = { TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'cloud', TEMPORAL_API_KEY: 'user-key', TEMPORAL_TLS_CLIENT_CERT_PATH: '/nowhere', TEMPORAL_ADDRESS: '127.0.0.1:17233', BING_LOG_LEVEL: 'warn' };
    const launcherConfig = loadConfig(userEnv);
    const childEnv = devServerEnv(launcherConfig, join(dir, 'dev-server.toml'), userEnv);
    expect(childEnv.BING_LOG_LEVEL).toBe('warn');
    expect(temporalConnection(loadConfig(childEnv), childEnv)).toEqual({
      namespace: 'default',
      connectionOptions: { address: '127.0.0.1:17233', apiKey: undefined, tls: undefined, metadata: undefined },
    });
  });

  it('say what is wrong without quoting a secret', async () => {
    const broken = join(dir, 'broken.toml');
    await writeFile(broken, '[profile.default]\napi_key = "secret-key-value\n');
    expect(() => temporalConnection(defaults, { TEMPORAL_CONFIG_FILE: broken })).toThrow(/not valid TOML at line 2/);
    expect(() => temporalConnection(defaults, { TEMPORAL_CONFIG_FILE: broken })).not.toThrow(/secret-key-value/);
    expect(() => temporalConnection(defaults, { TEMPORAL_CONFIG_FILE: broken, TEMPORAL_PROFILE: 'cloud' })).toThrow(/not valid TOML/);
    const toml = join(dir, 'profiles.toml');
    await writeFile(toml, profiles);
    expect(() => temporalConnection(defaults, { TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'staging' })).toThrow("Profile 'staging' not found");
    expect(() => temporalConnection(defaults, { TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: 'true' })).toThrow(/TEMPORAL_TLS_SERVER_NAME/);
  });
});
