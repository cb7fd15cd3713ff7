// Characters tracked between frames: each detection is matched to a track (a character seen before) by
// box overlap after a constant-velocity step, so a character keeps one id while it stays in view and
// what was learnt about it (fine labels, its nametag) is kept with the track instead of recomputed.
// The assignment is the Hungarian algorithm (the `munkres` package) on 1 - IoU; a track not matched
// for `maxMissed` frames ends. The motion model is an alpha-beta filter on the box: written by hand,
// since a Kalman filter's covariances buy nothing at these frame rates and box counts.
import munkres from 'munkres';
import { bboxIou } from '../image.ts';

export type Bbox = [number, number, number, number];

export interface TrackerOptions {
  /** Least IoU between a track's predicted box and a detection for them to be the same character (default 0.3). */
  minIou?: number;
  /** Frames a track lives on without a matching detection (default 8). */
  maxMissed?: number;
  /** How much of a new box's offset from the prediction the filter believes (default 0.7; 1 = no smoothing). */
  alpha?: number;
  /** How much of that offset goes into the velocity (default 0.3). */
  beta?: number;
}

export interface Track<T> {
  readonly id: number;
  /** The filtered box, [x, y, w, h] in frame pixels. */
  bbox: Bbox;
  /** Per-frame change of the box. */
  velocity: Bbox;
  /** Frames matched, frames since the last match, frames since the track began. */
  hits: number;
  missed: number;
  age: number;
  /** The detector's class when it gave one ('cog', 'toon'): a track never changes class. */
  readonly group?: string;
  /** What the caller keeps with the character (labels, nametag, ...). */
  data: T;
}

export interface TrackedDetection<T> {
  /** Index of the detection in the frame's list. */
  index: number;
  track: Track<T>;
  /** The track began with this frame. */
  isNew: boolean;
}

/** The cost of a pair that may not be matched (finite: the Hungarian algorithm subtracts costs). */
const NO_MATCH = 1e6;

export class Tracker<T> {
  private tracks: Track<T>[] = [];
  private nextId = 1;
  readonly opts: Required<TrackerOptions>;

  constructor(
    readonly newData: () => T,
    opts: TrackerOptions = {},
  ) {
    this.opts = { minIou: 0.3, maxMissed: 8, alpha: 0.7, beta: 0.3, ...opts };
  }

  /** The live tracks (matched this frame or coasting). */
  get active(): readonly Track<T>[] {
    return this.tracks;
  }

  clear(): void {
    this.tracks = [];
  }

  /**
   * One frame's detections (boxes [x, y, w, h]; `group` keeps Cogs and Toons apart when given): every
   * detection gets a track, new or continued; tracks not seen for too long end.
   */
  update(boxes: readonly Bbox[], groups?: readonly string[]): TrackedDetection<T>[] {
    const predicted = this.tracks.map((t) => step(t.bbox, t.velocity));
    const matchOf = new Array<number>(boxes.length).fill(-1);
    if (this.tracks.length > 0 && boxes.length > 0) {
      const cost = boxes.map((b, i) =>
        predicted.map((p, j) => {
          if (groups && this.tracks[j]!.group !== groups[i]) return NO_MATCH;
          const v = bboxIou(b, p);
          return v >= this.opts.minIou ? 1 - v : NO_MATCH;
        }),
      );
      for (const [i, j] of munkres(cost)) if (cost[i]![j]! < NO_MATCH) matchOf[i] = j;
    }
    const matched = new Set<number>();
    const out: TrackedDetection<T>[] = [];
    boxes.forEach((b, i) => {
      const j = matchOf[i]!;
      if (j < 0) {
        const track: Track<T> = { id: this.nextId++, bbox: [...b], velocity: [0, 0, 0, 0], hits: 1, missed: 0, age: 0, group: groups?.[i], data: this.newData() };
        out.push({ index: i, track, isNew: true });
        return;
      }
      matched.add(j);
      const t = this.tracks[j]!;
      const p = predicted[j]!;
      const { alpha, beta } = this.opts;
      for (let k = 0; k < 4; k++) {
        const r = b[k]! - p[k]!;
        t.bbox[k] = p[k]! + alpha * r;
        t.velocity[k] = t.velocity[k]! + beta * r;
      }
      t.hits++;
      t.missed = 0;
      out.push({ index: i, track: t, isNew: false });
    });
    const next: Track<T>[] = [];
    this.tracks.forEach((t, j) => {
      t.age++;
      if (matched.has(j)) return next.push(t);
      t.missed++;
      if (t.missed > this.opts.maxMissed) return;
      // Coast on the motion model, slowing down: a character that stopped being seen rarely keeps going.
      t.bbox = predicted[j]!;
      t.velocity = t.velocity.map((v) => v * 0.5) as Bbox;
      next.push(t);
    });
    for (const o of out) if (o.isNew) next.push(o.track);
    this.tracks = next;
    return out;
  }

  /**
   * A frame without detections (the detector skipped it): every track moves on by its velocity. Not
   * counted as missed, since nothing looked. Returns the tracks matched on the last detected frame.
   */
  coast(): Track<T>[] {
    for (const t of this.tracks) {
      t.bbox = step(t.bbox, t.velocity);
      t.age++;
    }
    return this.tracks.filter((t) => t.missed === 0);
  }
}

function step(b: Bbox, v: Bbox): Bbox {
  return [b[0] + v[0], b[1] + v[1], Math.max(1, b[2] + v[2]), Math.max(1, b[3] + v[3])];
}

/** Relative change of a box's size between two boxes (0 = same size). */
export function sizeChange(a: Bbox, b: Bbox): number {
  const ra = Math.sqrt(a[2] * a[3]);
  const rb = Math.sqrt(b[2] * b[3]);
  return Math.abs(ra - rb) / Math.max(1e-6, Math.min(ra, rb));
}
