// The train channel: one directory per labelled item (an action example or a MOT sequence).
import { existsSync, readdirSync } from 'node:fs';
import { JobFailure, log } from '../contract';

/**
 * The names of the channel's item directories, in name order; loose files are ignored with a
 * warning. `item` says what a directory is ("example"), `holds` what it holds.
 */
export function channelItems(dir: string, item: string, holds: string): string[] {
  if (!existsSync(dir)) throw new JobFailure(`the train channel is missing: no directory ${dir}`);
  const entries = readdirSync(dir, { withFileTypes: true });
  const loose = entries.filter((e) => !e.isDirectory()).map((e) => e.name);
  if (loose.length > 0) log(`train channel: ignoring ${loose.join(', ')} (${item}s are directories)`);
  const names = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  if (names.length === 0) throw new JobFailure(`the train channel holds no ${item}s: expected one directory per ${item} with ${holds} in ${dir}`);
  return names;
}
