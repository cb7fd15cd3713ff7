// Synthetic ToonTown street scenes: still scenes with VOC labels, and a fast animated demo scene.
export { renderScene, writeScenes, sceneStem, type Scene, type SceneOptions, type WriteOptions, type WrittenScene } from './scene.ts';
export { createDemoScene, type DemoScene, type DemoFrame, type DemoOptions } from './demo.ts';
export type { SceneObject } from './compose.ts';
export { COG_DESIGNS } from './cog.ts';
