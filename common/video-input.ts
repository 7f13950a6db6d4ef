// The containers BING reads uploaded videos from, and the ffmpeg input options that hold every read
// of a user's file to them. jobs/mot/frames.ts keeps its own copy of the list (a job is its own program).

/**
 * ffmpeg's demuxer names for one video in a real container: MP4/MOV family, Matroska/WebM, AVI,
 * MPEG-TS/PS, FLV, Ogg, MXF, raw H.264/HEVC. Nothing that names other files (HLS, DASH, concat),
 * no image sequences or still images, no text formats.
 */
export const VIDEO_DEMUXERS = ['mov', 'mp4', 'm4a', '3gp', '3g2', 'mj2', 'matroska', 'webm', 'avi', 'mpegts', 'mpeg', 'flv', 'ogg', 'mxf', 'h264', 'hevc'] as const;

/**
 * Input options for ffmpeg and ffprobe, placed before the user's file: it is read only through the
 * demuxers above and the file and pipe protocols, so it cannot make ffmpeg open anything else.
 */
export const SAFE_VIDEO_INPUT: readonly string[] = ['-protocol_whitelist', 'file,pipe', '-format_whitelist', VIDEO_DEMUXERS.join(',')];
