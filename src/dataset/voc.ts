// labelImg Pascal VOC annotations. (Interface fixed here; implementation lands with the dataset pipeline.)
import type { Box } from '../image.ts';

export interface VocObject {
  name: string;
  pose: string;
  truncated: number;
  difficult: number;
  bndbox: Box;
}

export interface VocAnnotation {
  folder: string;
  filename: string;
  path: string;
  source: { database: string };
  size: { width: number; height: number; depth: number };
  segmented: number;
  objects: VocObject[];
}

/** XML text in the form labelImg writes. */
export function formatVoc(_a: VocAnnotation): string {
  throw new Error('formatVoc: not implemented yet');
}

/** Parses labelImg VOC XML; throws an Error naming `file` and the problem. */
export function parseVoc(_xml: string, _file: string): VocAnnotation {
  throw new Error('parseVoc: not implemented yet');
}
