// Fine labels kept with each tracked character: a character is classified when it first appears, then
// again only when its labels are old (`refreshFrames`), unsure (below `unsureScore`, retried every
// `unsureFrames`) or when its box changed size a lot since (it turned, came closer, or the tracker
// swapped it). Every detection carries its track id, so the overlay's labels stay put between frames.
import type { RgbImage } from '../image.ts';
import { sizeChange, Tracker, type Bbox, type TrackerOptions } from '../track/tracker.ts';
import { classifyDetections, type CascadeModels, type LiveDetection } from './cascade.ts';

export interface TrackedLabelsOptions {
  /** Frames a character's labels are kept before they are computed again (default 15; 0: every frame). */
  refreshFrames?: number;
  /** Labels scored below this are unsure (default 0.5) ... */
  unsureScore?: number;
  /** ... and computed again after this many frames (default 3). */
  unsureFrames?: number;
  /** Relative change of the box's size since the labels were computed that makes them stale (default 0.35). */
  maxSizeChange?: number;
  tracker?: TrackerOptions;
}

interface TrackLabels {
  /** The classified detection, and the frame and box it was classified at. */
  labels?: LiveDetection;
  at: number;
  box?: Bbox;
  /** The character's detection on the last frame it was seen (what a coasting frame shows). */
  last?: LiveDetection;
}

export interface TrackedResult {
  detections: LiveDetection[];
  /** Detections whose labels were carried over (not classified this frame). */
  reused: number;
}

/** How sure a classified detection is: its least sure step (Cog/Toon, then the fine label). */
export function labelConfidence(d: LiveDetection): number {
  return Math.min(d.kindScore ?? 1, d.fineScore ?? 1);
}

export class TrackedLabels {
  readonly tracker: Tracker<TrackLabels>;
  private frame = 0;
  readonly opts: Required<Omit<TrackedLabelsOptions, 'tracker'>>;

  constructor(opts: TrackedLabelsOptions = {}) {
    this.opts = { refreshFrames: 15, unsureScore: 0.5, unsureFrames: 3, maxSizeChange: 0.35, ...opts };
    this.tracker = new Tracker<TrackLabels>(() => ({ at: -Infinity }), opts.tracker);
  }

  /** Forget every character's labels (after a model swap); the tracks and their ids stay. */
  forgetLabels(): void {
    for (const t of this.tracker.active) t.data = { at: -Infinity };
  }

  /**
   * A frame the detector skipped: the characters seen on the last detected frame, moved on by their
   * tracks' motion, with the labels they have (nothing is classified).
   */
  coast(width: number, height: number): LiveDetection[] {
    this.frame++;
    const out: LiveDetection[] = [];
    for (const t of this.tracker.coast()) {
      const last = t.data.last;
      if (!last) continue;
      const [x, y, w, h] = t.bbox;
      const x0 = Math.max(0, Math.round(x));
      const y0 = Math.max(0, Math.round(y));
      const x1 = Math.min(width, Math.round(x + w));
      const y1 = Math.min(height, Math.round(y + h));
      if (x1 - x0 < 2 || y1 - y0 < 2) continue;
      out.push({ ...last, bbox: [x0, y0, x1 - x0, y1 - y0], track: t.id });
    }
    return out;
  }

  clear(): void {
    this.tracker.clear();
  }

  private stale(s: TrackLabels, bbox: Bbox): boolean {
    if (!s.labels || !s.box) return true;
    const age = this.frame - s.at;
    if (age > this.opts.refreshFrames) return true;
    if (labelConfidence(s.labels) < this.opts.unsureScore && age >= this.opts.unsureFrames) return true;
    return sizeChange(s.box, bbox) > this.opts.maxSizeChange;
  }

  /** Tracks `dets` and classifies the characters whose labels are missing or stale. */
  async classify(img: RgbImage, dets: readonly LiveDetection[], models: CascadeModels): Promise<TrackedResult> {
    this.frame++;
    const tracked = this.tracker.update(
      dets.map((d) => d.bbox),
      dets.map((d) => d.label),
    );
    const out: LiveDetection[] = new Array(dets.length);
    const fresh: number[] = [];
    const haveModels = Boolean(models.binary || models.suit || models.name || models.animal);
    for (const { index, track } of tracked) {
      const d = dets[index]!;
      if (!haveModels) {
        out[index] = { ...d, track: track.id };
        track.data.last = out[index];
        continue;
      }
      const s = track.data;
      if (this.stale(s, d.bbox)) fresh.push(index);
      else out[index] = { ...s.labels!, bbox: d.bbox, score: d.score, track: track.id };
      track.data.last = out[index];
    }
    if (fresh.length > 0) {
      const done = await classifyDetections(img, fresh.map((i) => dets[i]!), models);
      const trackOf = new Map(tracked.map((t) => [t.index, t.track]));
      fresh.forEach((i, k) => {
        const track = trackOf.get(i)!;
        out[i] = { ...done[k]!, track: track.id };
        track.data = { labels: done[k]!, at: this.frame, box: [...dets[i]!.bbox], last: out[i] };
      });
    }
    return { detections: out, reused: haveModels ? dets.length - fresh.length : 0 };
  }
}
