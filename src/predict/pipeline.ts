// The per-frame cascade as one object: detect (the model, or the stand-in that reports the objects a
// source already knows), then classify the boxes with the current models, with fine labels carried
// over between frames. The live agent, `toonvision capture`, `predict`, the labelling page, retrain's
// teacher and `bench real` all predict through it.
import type { CapturedFrame, SceneObject } from '../capture/index.ts';
import { roundDetection } from '../detect/decode.ts';
import type { RgbImage } from '../image.ts';
import { parseAnyLabel } from '../taxonomy.ts';
import { classifyDetections, type CascadeModels, type LiveDetection } from './cascade.ts';
import { TrackedLabels, type TrackedLabelsOptions } from './tracked.ts';
import type { ModelSet } from './models.ts';

export interface StagesMs {
  capture: number;
  detect: number;
  classify: number;
  /** capture start to the frame message being handed to the server */
  total: number;
}

export interface ProcessedFrame {
  frame: CapturedFrame;
  detections: LiveDetection[];
  stagesMs: StagesMs;
  /** Which detector produced the boxes. */
  detector: 'model' | 'stand-in' | 'none' | 'tracked';
  /** Detections whose fine labels were carried over from the previous frame (not re-classified). */
  reused: number;
}

/** What the agent reports when a detection has no model behind it. */
function kindOf(label: string): 'cog' | 'toon' | undefined {
  if (label === 'cog' || label === 'toon') return label;
  try {
    return parseAnyLabel(label).kind;
  } catch {
    return label.startsWith('cog') ? 'cog' : label.startsWith('toon') ? 'toon' : undefined;
  }
}

/** The stand-in detector: the objects the source already knows (demo scenes, replayed VOC files). */
export function truthDetections(objects: readonly SceneObject[]): LiveDetection[] {
  const out: LiveDetection[] = [];
  for (const o of objects) {
    const label = kindOf(o.label);
    if (!label) continue;
    const b = o.box;
    out.push({ bbox: [b.xmin, b.ymin, b.xmax - b.xmin, b.ymax - b.ymin], label, score: 1 });
  }
  return out;
}

export type DetectorMode = 'auto' | 'model' | 'stand-in';

/** Detect + classify one captured frame with the current models. Shared by the agent loop and `toonvision capture`. */
export interface PipelineOptions {
  detector?: DetectorMode;
  /** Objects the stand-in detector reports for frames that carry none. */
  standInTruth?: readonly SceneObject[];
  /** Track characters between frames and keep their labels (live frames); false: every frame is new (files). */
  track?: TrackedLabelsOptions | false;
  /**
   * Run the detector on every Nth frame; in between, the tracked characters move on by their motion
   * (needs tracking). Default: every 2nd frame for the pretrained real-game detector (about 30 ms of
   * CPU a run), every frame for the small synthetic-scene one.
   */
  detectEvery?: number;
}

export class Pipeline {
  /** The tracks and their labels; absent when every frame is new. */
  readonly tracked: TrackedLabels | undefined;
  /** Frames since the detector last ran, and what it ran on (a new source or size is detected at once). */
  private sinceDetect = Infinity;
  private lastDetected = '';

  constructor(
    readonly models: ModelSet,
    readonly opts: PipelineOptions = {},
  ) {
    this.tracked = opts.track === false ? undefined : new TrackedLabels(opts.track ?? {});
  }

  /** The classifiers of the cascade, as loaded now. */
  classifiers(): CascadeModels {
    return {
      binary: this.models.classifier('binary'),
      suit: this.models.classifier('suit'),
      name: this.models.classifier('name'),
      animal: this.models.classifier('animal'),
    };
  }

  /** Classifies given boxes ([x, y, w, h] in image pixels) as the cascade does, detector skipped. */
  classifyBoxes(image: RgbImage, bboxes: readonly LiveDetection['bbox'][]): Promise<LiveDetection[]> {
    return classifyDetections(image, bboxes.map((bbox) => ({ bbox, label: 'cog', score: 1 })), this.classifiers());
  }

  /** Forget carried-over labels (after a model swap: the new models classify every box afresh). */
  resetLabels(): void {
    this.tracked?.forgetLabels();
  }

  /** Detect + classify one frame; `fresh` runs the detector even where the tracker would carry the boxes. */
  async process(frame: CapturedFrame, opts: { fresh?: boolean } = {}): Promise<ProcessedFrame> {
    const t0 = performance.now();
    const mode = this.opts.detector ?? 'auto';
    const det = frame.source === 'demo' ? this.models.syntheticDetector() : this.models.detector();
    let detections: LiveDetection[] = [];
    let detector: ProcessedFrame['detector'] = 'none';
    const every = this.opts.detectEvery ?? (det?.metadata.detector.kind === 'nanodet' ? 2 : 1);
    const seen = `${frame.source}:${frame.image.width}x${frame.image.height}`;
    if (!opts.fresh && det && mode !== 'stand-in' && this.tracked && this.sinceDetect < every - 1 && seen === this.lastDetected) {
      this.sinceDetect++;
      const t1 = performance.now();
      detections = this.tracked.coast(frame.image.width, frame.image.height);
      const t2 = performance.now();
      return {
        frame,
        detections,
        detector: 'tracked',
        reused: detections.length,
        stagesMs: { capture: r1(frame.captureMs), detect: r1(t1 - t0), classify: r1(t2 - t1), total: r1(t2 - frame.startedAt) },
      };
    }
    if (det && mode !== 'stand-in') {
      const found = await det.detect(frame.image);
      detections = found.map(roundDetection);
      detector = 'model';
      this.sinceDetect = 0;
      this.lastDetected = seen;
    } else if (mode !== 'model') {
      const truth = frame.truth ?? this.opts.standInTruth;
      if (truth) {
        detections = truthDetections(truth);
        detector = 'stand-in';
      }
    }
    const t1 = performance.now();
    const classified = this.tracked
      ? await this.tracked.classify(frame.image, detections, this.classifiers())
      : { detections: await classifyDetections(frame.image, detections, this.classifiers()), reused: 0 };
    detections = classified.detections;
    const t2 = performance.now();
    return {
      frame,
      detections,
      detector,
      reused: classified.reused,
      stagesMs: { capture: r1(frame.captureMs), detect: r1(t1 - t0), classify: r1(t2 - t1), total: r1(t2 - frame.startedAt) },
    };
  }
}

function r1(x: number): number {
  return Math.round(x * 10) / 10;
}

