// A stored commentary.json read back for speech, with a clear failure for one that is missing or malformed.
import { z } from 'zod';
import { badInput } from '../failures';
import { ObjectNotFound, readJson, type Storage } from '../storage/storage';
import { languages } from '../../contracts/video-commentary';

const commentaryFileSchema = z.object({
  language: z.enum(languages),
  lines: z.array(z.object({ start: z.number().nonnegative(), end: z.number().nonnegative(), text: z.string(), eventIds: z.array(z.string()) })),
});

export type CommentaryFile = z.output<typeof commentaryFileSchema>;

export async function readCommentaryFile(storage: Storage, key: string): Promise<CommentaryFile> {
  try {
    const parsed = commentaryFileSchema.safeParse(await readJson(storage, key));
    if (!parsed.success) throw badInput(`${key} is malformed: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    return parsed.data;
  } catch (err) {
    if (err instanceof ObjectNotFound) throw badInput(`no commentary at ${key}`);
    throw err;
  }
}

/** The lines that have something to say. */
export const spokenLines = <L extends { text: string }>(lines: L[]): L[] => lines.filter((l) => l.text.trim());
