import type { VideoManifest } from '../workflows/definitions';
import type { Storage } from './storage/storage';

export const manifestKey = (videoId: string): string => `results/${videoId}/manifest.json`;

export function createDeliveryActivities(storage: Storage) {
  return {
    async deliver(manifest: VideoManifest): Promise<string> {
      const key = manifestKey(manifest.videoId);
      await storage.put(key, JSON.stringify(manifest, null, 2), { 'content-type': 'application/json' });
      return key;
    },
    /** Removes what a request left behind when it failed or was cancelled: its upload and partial results. */
    async discardVideo({ videoId, uploadKey }: { videoId: string; uploadKey: string }): Promise<number> {
      await storage.delete(uploadKey);
      return storage.deletePrefix(`results/${videoId}/`);
    },
  };
}
