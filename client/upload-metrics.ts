// What the videos service counts for the API's /metrics: its own registry, which the API merges into
// the one it serves.
import { Counter, Registry } from 'prom-client';

export const uploadRegistry = new Registry();

/** Counted once a finished upload is handed to its request, whichever door it came through. */
export const uploadedBytes = new Counter({
  name: 'bing_uploaded_bytes_total', help: 'Bytes of the uploads handed to their requests', registers: [uploadRegistry],
});
