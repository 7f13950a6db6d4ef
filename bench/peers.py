# The tracking bench's peers: ByteTrack and OC-SORT from Roboflow's `trackers` (pinned in
# infra/install-tools, run with PYTHONPATH=.tools/trackers), fed the detections BING's tracker got
# (MOTChallenge det file, 1-based frames) and writing MOTChallenge result files for the scorer.
# Defaults but for a one-second lost-track buffer and a 0.3 threshold (ByteTrack's activation
# threshold, OC-SORT's high-confidence one), as in issue 15.
# Usage: python3 peers.py DETECTIONS FRAMES FPS OUT_DIR  ->  OUT_DIR/bytetrack.txt, OUT_DIR/ocsort.txt
import os
import sys

import numpy as np
import supervision as sv
from trackers import ByteTrackTracker, OCSORTTracker


def main(det_path, frames, fps, out_dir):
    rows = np.loadtxt(det_path, delimiter=",", ndmin=2) if os.path.getsize(det_path) else np.zeros((0, 10))
    peers = {
        "bytetrack": ByteTrackTracker(lost_track_buffer=30, frame_rate=fps, track_activation_threshold=0.3),
        "ocsort": OCSORTTracker(lost_track_buffer=30, frame_rate=fps, high_conf_det_threshold=0.3),
    }
    for name, tracker in peers.items():
        lines = []
        for frame in range(1, frames + 1):
            d = rows[rows[:, 0] == frame]
            xyxy = np.stack([d[:, 2], d[:, 3], d[:, 2] + d[:, 4], d[:, 3] + d[:, 5]], axis=1) if len(d) else np.zeros((0, 4))
            tracked = tracker.update(sv.Detections(xyxy=xyxy, confidence=d[:, 6], class_id=np.zeros(len(d), dtype=int)))
            for (x0, y0, x1, y1), tid, score in zip(tracked.xyxy, tracked.tracker_id, tracked.confidence):
                if tid >= 0:
                    lines.append(f"{frame},{tid + 1},{x0:.1f},{y0:.1f},{x1 - x0:.1f},{y1 - y0:.1f},{score:.3f},-1,-1,-1\n")
        with open(os.path.join(out_dir, f"{name}.txt"), "w") as f:
            f.writelines(lines)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4])
