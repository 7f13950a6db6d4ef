// Durations as the configuration writes them ('90s', '5m', '24h'), in milliseconds. One parser for
// all of BING: the Temporal SDK's (the `ms` package), which workflow code uses too
// (workflows/retraining.ts), since it may not import common/.
import { msToNumber, type Duration } from '@temporalio/common/lib/time';

/** What config.ts accepts as a duration: the part of the parser's language the settings use. */
export const durationPattern = /^(\d+(?:\.\d+)?) *(ms|s|m|h|d)$/;

export const durationMs = (text: string): number => msToNumber(text as Duration);
