// Schemathesis, the property-based API fuzzer, against the whole local stack as `npm start` runs it
// (dev server, workers, API): the cases it derives from GET /openapi.json, sent with the operator
// key, must get no 5xx, only documented statuses, and bodies that match the documented schemas.
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../workers/tools';
import { LocalStack } from './helpers/stack';

const run = promisify(execFile);
const schemathesisDir = join(projectRoot, '.tools', 'schemathesis');
const webhookSecret = 'schemathesis-webhook-secret';

let stack: LocalStack;

beforeAll(async () => {
  // A weight file the fuzzer uploads waits out the debounce instead of starting a training job.
  stack = await LocalStack.create({ BING_WEBHOOK_SECRET: webhookSecret, BING_RETRAIN_DEBOUNCE: '1h', BING_MAX_UPLOAD_BYTES: '1000000' });
  await stack.start();
});

afterAll(async () => {
  await stack?.dispose();
});

describe('schemathesis', () => {
  it('finds no server error, undocumented status or response off its schema', async () => {
    const config = join(stack.dataDir, 'schemathesis.toml');
    // Each security scheme of the document gets its credential: the operator key, the webhook secret.
    await writeFile(config, [
      '[auth.openapi.bearer]', `bearer = "${await stack.apiKey()}"`,
      '[auth.openapi.webhookSecret]', `bearer = "${webhookSecret}"`, '',
    ].join('\n'));
    const args = [
      '--config-file', config, 'run', `${stack.apiUrl}/openapi.json`, '--no-color',
      '--checks', 'not_a_server_error,status_code_conformance,response_schema_conformance',
      // Bounded for CI on two cores: a few cases an operation per phase (the coverage phase adds
      // its boundary values), a fixed seed so that a failure reproduces. One worker: hypothesis
      // parses its lambdas with ast.parse, which CPython 3.11 can fail in threads (cpython#106905).
      '--max-examples', '5', '--workers', '1', '--seed', '1', '--request-timeout', '30', '--generation-database', 'none',
      // tus (POST /v1/uploads; HEAD, PATCH, DELETE of /v1/uploads/{id}; GET there only answers 405)
      // has its own protocol tests in test/uploads.test.ts: an upload's offsets run across requests.
      '--exclude-path-regex', '^/v1/uploads(/\\{id\\})?$',
    ];
    const result = await run(join(schemathesisDir, 'bin', 'schemathesis'), args, {
      cwd: stack.dataDir, env: { ...process.env, PYTHONPATH: schemathesisDir }, maxBuffer: 64 << 20,
    }).then(({ stdout }) => ({ code: 0, stdout }), (err: { code: number; stdout: string }) => ({ code: err.code, stdout: err.stdout }));
    const cases = /(\d+) generated/.exec(result.stdout);
    console.log(`schemathesis: ${cases?.[1] ?? '?'} cases\n${result.stdout.slice(result.stdout.indexOf('SUMMARY'))}`);
    expect(result.code, result.stdout).toBe(0);
    expect(Number(cases?.[1])).toBeGreaterThan(100);
    // Every operation it selected was tested: none was skipped for a schema it could not use.
    const [, selected, tested] = /Selected: (\d+)\/\d+\s+Tested: (\d+)/.exec(result.stdout) ?? [];
    expect(Number(tested)).toBe(Number(selected));
    expect(Number(selected)).toBeGreaterThanOrEqual(19);
  }, 600_000);
});
