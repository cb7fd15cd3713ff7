// The predictor room: how a frame is predicted (detector, then binary, suit + name or animal), used by
// the live agent, the labelling page, retrain's teacher, `bench real` and the commands.
//   models.ts     the model set the cascade runs (player's folders, then the shipped ones; hot reload)
//   classifier.ts a classifier folder as load() / classify() / dispose()
//   cascade.ts    boxes -> crops -> classifiers, batched per frame
//   pipeline.ts   one frame: detect (or the source's own objects), then classify
//   predict.ts    the cascade on image files: predictImage, predictFile, the teacher, VOC pre-labels
export { asClassifier, loadClassifier, type Classifier } from './classifier.ts';
export { bboxToBox, classifyDetections, fineLabel, type CascadeModels, type LiveDetection } from './cascade.ts';
export { labelConfidence, TrackedLabels, type TrackedLabelsOptions } from './tracked.ts';
export { candidateDirs, ModelSet, PACKAGE_DEMO_MODELS, SYNTHETIC_DETECTOR, type ModelInfo, type ModelSetOptions } from './models.ts';
export { Pipeline, truthDetections, type DetectorMode, type PipelineOptions, type ProcessedFrame, type StagesMs } from './pipeline.ts';
export { loadPredictor, predictFile, predictImage, predictionToVoc, teacherScenes, type Prediction } from './predict.ts';
