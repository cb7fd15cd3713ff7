// The detector's shapes, shared by our own network (detector.ts) and the pretrained one (pretrained.ts),
// and what the rescorer reads: types only, so that the modules that implement them never import each other.
import type { LayersModel } from '@tensorflow/tfjs';
import type { OnnxSession } from '../engine/index.ts';
import type { RgbImage } from '../image.ts';
import type { ModelMetadata } from '../model/folder.ts';
import type { DecodeParams, Detection } from './decode.ts';

/** What a detector model folder's metadata.json holds beyond the common fields. */
export interface DetectorInfo {
  /** Our CenterNet-style net; 'nanodet' folders (pretrained, src/detect/pretrained.ts) carry their own section. */
  kind: 'centernet' | 'nanodet';
  stride: number;
  outChannels: number;
  /** Channel layout of the single output tensor. */
  layout: string[];
  decode: DecodeParams;
}

export interface DetectorMetadata extends ModelMetadata {
  detector: DetectorInfo;
}

export interface Detector {
  metadata: DetectorMetadata;
  /** The TensorFlow.js network; absent for a pretrained graph model that runs on ONNX Runtime. */
  model?: LayersModel;
  /** The ONNX Runtime session `detect` runs on, when ONNX Runtime is the inference runtime. */
  session?: OnnxSession;
  /** Boxes in image pixels, best first. `opts` override the model's decode parameters. */
  detect(img: RgbImage, opts?: Partial<DecodeParams>): Promise<Detection[]>;
  dispose(): void;
}


/** One cell of NanoDet's output grids: its box in frame pixels and its 80 COCO class scores. */
export interface NanodetCell {
  box: [number, number, number, number];
  scores: Float32Array;
}

