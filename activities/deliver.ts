import type { VideoManifest } from '../contracts/video-commentary';
import type { Storage } from './storage/storage';


export function createDeliveryActivities(storage: Storage) {
  return {
    async deliver({ manifest, key }: { manifest: VideoManifest; key: string }): Promise<string> {
      await storage.put(key, JSON.stringify(manifest, null, 2), { 'content-type': 'application/json' });
      return key;
    },
    /**
     * Removes what a run left behind when it failed or was cancelled: an upload that never reached
     * ingest, and the run's partial results. The stored source stays, for a rerun.
     */
    async discardVideo({ uploadKey, resultsPrefix }: { uploadKey: string; resultsPrefix: string }): Promise<number> {
      await storage.delete(uploadKey);
      const keys = (await storage.list(resultsPrefix)).filter((k) => !k.slice(resultsPrefix.length).startsWith('run-'));
      await Promise.all(keys.map((k) => storage.delete(k)));
      return keys.length;
    },
  };
}
