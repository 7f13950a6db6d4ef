// A process's memory from /proc/PID/status: its resident set now (VmRSS) and its peak so far
// (VmHWM, kept by the kernel). The peak is polled so that it is still known once the process exits.
import { readFileSync } from 'node:fs';

const kiB = (status: string, field: string): number | undefined => {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(status);
  return m ? Number(m[1]) : undefined;
};

/** VmRSS and VmHWM in KiB, or undefined when the process is gone. */
export function readRss(pid: number): { rssKiB: number; hwmKiB: number } | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const rssKiB = kiB(status, 'VmRSS');
  const hwmKiB = kiB(status, 'VmHWM');
  return rssKiB === undefined || hwmKiB === undefined ? undefined : { rssKiB, hwmKiB };
}

export interface PeakRssWatch {
  /** The highest VmHWM seen so far, in KiB. */
  readonly peakKiB: number;
  /** Reads once more (when the process is still there), stops polling and returns the peak in KiB. */
  stop(): number;
}

export function watchPeakRss(pid: number, everyMs = 25): PeakRssWatch {
  let peak = 0;
  const poll = (): void => {
    const read = readRss(pid);
    if (read) peak = Math.max(peak, read.hwmKiB);
  };
  poll();
  const timer = setInterval(poll, everyMs);
  return {
    get peakKiB() {
      return peak;
    },
    stop() {
      poll();
      clearInterval(timer);
      return peak;
    },
  };
}

export const mib = (kib: number): number => Math.round(kib / 1024);
