// The BING page: ask for the key, upload with progress, list the user's videos with their live
// stage, and show a request's progress and result (tracks over the video, events, commentary).
// Plain DOM and standard APIs only, so it runs as it is in Chromium and Firefox. Each part lives
// in its own module; this one starts them.
import { getKey } from './api.mjs';
import { initDetail, openFromList, reselect } from './detail.mjs';
import { askForKey, initKey } from './key.mjs';
import { initList, restartList } from './list.mjs';
import { initPlayer } from './player.mjs';
import { initTimeline } from './timeline.mjs';
import { initUpload } from './upload.mjs';

/** Reads the list afresh, and opens the video the address names. */
function restart() {
  restartList();
  const fromHash = decodeURIComponent(location.hash.slice(1));
  if (fromHash) reselect(fromHash);
}

initKey(restart);
initUpload();
initList(openFromList);
initDetail();
initPlayer();
initTimeline();

if (getKey()) restart();
else askForKey();
