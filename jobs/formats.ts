// The artifacts the reference jobs exchange (DESIGN.md, "Contracts"). Frames are 1-based, as in
// MOTChallenge; a time in seconds is (frame - 1) / fps.

export interface VideoFacts {
  width: number;
  height: number;
  fps: number;
  frames: number;
  duration: number;
}

/** A box in pixels of the source video: left, top, width, height. */
export interface TrackBox {
  frame: number;
  x: number;
  y: number;
  w: number;
  h: number;
  score: number;
}

export interface Track {
  id: number;
  class: 'person' | 'ball';
  /** Team index from jersey-colour clustering, null for the ball or when unknown. */
  team: 0 | 1 | null;
  /** Mean jersey colour, RGB 0-255. */
  color: [number, number, number] | null;
  boxes: TrackBox[];
}

export interface TracksFile {
  /** The whole video's facts, also when only a segment of it was tracked. */
  video: VideoFacts;
  /** When only frames [firstFrame, endFrame) (0-based) were tracked; the boxes keep the video's frames. */
  segment?: { firstFrame: number; endFrame: number };
  detector: Record<string, unknown>;
  tracks: Track[];
}

export type ActionName =
  | 'start-moving' | 'stop' | 'sprint' | 'meet'
  | 'possession' | 'pass' | 'shot' | 'dribble' | 'tackle';

export interface ActionEvent {
  id: string;
  /** Seconds from the start of the video. */
  start: number;
  end: number;
  trackIds: number[];
  action: ActionName;
  confidence: number;
}

export interface ActionsFile {
  video: VideoFacts;
  model: { name: string; version: string };
  events: ActionEvent[];
}
