// Checks the API tests share: a problem+json answer, and the signals a video's workflow got.
import type { Client } from '@temporalio/client';
import { expect } from 'vitest';
import { videoWorkflowId } from '../../common/ids';
import { uploadCompletedSignal, type UploadCompleted } from '../../contracts/video-commentary';

/** The answer is problem+json with this status, and its "title: detail" matches. */
export async function expectProblem(res: Response, status: number, detail: RegExp): Promise<void> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const body = (await res.json()) as { status: number; title: string; detail: string };
  expect(body.status).toBe(status);
  expect(`${body.title}: ${body.detail}`).toMatch(detail);
}

/** The input of the first signal of this name that the video's workflow received, if any. */
export async function signalled<T = unknown>(client: Client, videoId: string, name: string): Promise<T | undefined> {
  const history = await client.workflow.getHandle(videoWorkflowId(videoId)).fetchHistory();
  const event = history.events?.find((e) => e.workflowExecutionSignaledEventAttributes?.signalName === name);
  const payload = event?.workflowExecutionSignaledEventAttributes?.input?.payloads?.[0];
  return payload ? (JSON.parse(Buffer.from(payload.data!).toString()) as T) : undefined;
}

/** The uploadCompleted signal the video's workflow received, if any. */
export const uploadSignal = (client: Client, videoId: string): Promise<UploadCompleted | undefined> =>
  signalled<UploadCompleted>(client, videoId, uploadCompletedSignal.name);
