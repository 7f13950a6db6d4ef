// The local door to retraining: in local mode a weight file written under models/incoming/{kind}/
// in the storage directory is handed to its kind's retraining workflow once its size and time have
// held still for one scan (so a file still being copied is not taken half-written).
import { stat } from 'node:fs/promises';
import type { Logger } from 'pino';
import { modelKinds } from '../contracts/models';
import type { StorageWith } from '../activities/storage/storage';
import type { RetrainingService } from '../client/retraining-service';
import { localIncomingPrefix } from '../client/weight-events';
import { isWeightFile } from '../contracts/weight-files';

export interface WatcherOptions {
  storage: StorageWith<'localPath'>;
  retraining: RetrainingService;
  logger: Logger;
  intervalMs?: number;
}

export function watchLocalWeights({ storage, retraining, logger, intervalMs = 2000 }: WatcherOptions): { stop(): void } {
  const lastSeen = new Map<string, string>();
  const handed = new Set<string>();
  const scan = async () => {
    for (const kind of modelKinds) {
      for (const key of await storage.list(localIncomingPrefix(kind))) {
        const stats = await stat(storage.localPath(key)).catch(() => undefined);
        if (!stats) continue;
        const seen = `${stats.size}-${Math.round(stats.mtimeMs)}`;
        const settled = lastSeen.get(key) === seen;
        lastSeen.set(key, seen);
        if (!settled || handed.has(`${key}#${seen}`)) continue;
        handed.add(`${key}#${seen}`);
        if (!isWeightFile(key)) {
          logger.info({ key }, 'not a weight file: ignored');
          continue;
        }
        // A file the API stored has its sha256, which is also what the API signalled it with.
        const etag = (await storage.head(key))?.sha256 ?? seen;
        await retraining.weightsArrived(kind, { key, etag, size: stats.size, eventTime: stats.mtime.toISOString() });
        logger.info({ kind, key }, 'weight file handed to retraining');
      }
    }
  };
  let stopped = false;
  let timer: NodeJS.Timeout;
  const loop = () => {
    scan().catch((err: unknown) => logger.warn({ err }, 'scanning for weight files failed'))
      .finally(() => {
        if (!stopped) timer = setTimeout(loop, intervalMs);
      });
  };
  loop();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
