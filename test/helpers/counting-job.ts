// The command line of the stand-in GPU job program (test/fixtures/jobs/counting-job.ts) for a local runner.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const countingJob = [process.execPath, '--import', pathToFileURL(require.resolve('tsx')).href, join(__dirname, '..', 'fixtures', 'jobs', 'counting-job.ts')];
