// The commentary backend that configuration picks: the template (the local default), or OpenAI or
// any OpenAI-compatible server. Both implement Commentator (backend.ts).
import type { Commentator } from './backend';
import { openAICommentator, type OpenAICommentaryOptions } from './openai';
import { templateCommentator } from './template';

export type CommentarySettings =
  | { backend: 'template' }
  | ({ backend: 'openai' } & OpenAICommentaryOptions);

export function createCommentator(settings: CommentarySettings = { backend: 'template' }): Commentator {
  return settings.backend === 'openai' ? openAICommentator(settings) : templateCommentator();
}
