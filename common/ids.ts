import { randomUUID } from 'node:crypto';

/** A video id: lowercase letters and digits, safe in storage keys, job names and URLs. */
export const newVideoId = (): string => randomUUID().replaceAll('-', '').slice(0, 20);

export const isVideoId = (s: string): boolean => /^[a-z0-9]{8,40}$/.test(s);

export const videoWorkflowId = (videoId: string): string => `video-${videoId}`;

export const userIdPattern = /^[A-Za-z0-9_.@-]{1,64}$/;
