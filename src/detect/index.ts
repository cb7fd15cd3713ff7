// The Toon/Cog detector: network, decoding, evaluation (its training is src/train/detector.ts).
export { DETECTOR_CLASSES, DEFAULT_ARCH, makeDetector, OUT_CHANNELS, type DetectorArch, type DetectorClass } from './model.ts';
export { decodeGrid, encodeTargets, iou, roundDetection, DEFAULT_DECODE, type Detection, type DecodeParams, type GridGeometry } from './decode.ts';
export { averagePrecision, computeAp, detectorClassOf, type ApResult, type ClassAp, type DetectorScene } from './evaluate.ts';
export { evaluateDetector, loadDetector, wrapDetector, type Detector, type DetectorEvaluation, type DetectorMetadata } from './detector.ts';
export { loadScenes, listScenePairs } from './data.ts';
