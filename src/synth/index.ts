// Synthetic ToonTown street scenes, drawn from SVG with sharp (librsvg), no external assets:
// - renderScene({seed, index, width, height}) -> {png, image, objects}: one still scene; same
//   arguments, same bytes. writeScenes(dir, {count, seed, ...}) writes synth_<seed>_<i>.png + VOC .xml.
// - createDemoScene({seed, width, height}) -> {frame(t)}: Toons and Cogs walking across a street,
//   sprites rendered once and blitted per frame (1-6 ms of CPU per 800x600 frame, see bench.ts).
// Every object is {label: cog_<suit>_<name> | toon_<animal>, box (end exclusive, inside the image,
// never the nametag), pose, truncated, nametag}.
export { renderScene, writeScenes, sceneStem, type Scene, type SceneOptions, type WriteOptions, type WrittenScene } from './scene.ts';
export { createDemoScene, type DemoScene, type DemoFrame, type DemoOptions } from './demo.ts';
export type { SceneObject } from './compose.ts';
export { COG_DESIGNS } from './cog.ts';
