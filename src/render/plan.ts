// What the render page draws: one scene's plan (camera, light, set, characters and their nametags),
// plain JSON handed to src/render/page/scene.js. Units are the game's (feet), Y up, characters stand
// on y = 0 and face +Z before their yaw.
export type Vec3 = [number, number, number];
export type Rgb = [number, number, number];

export interface DirectionalLightPlan {
  colour: Rgb;
  intensity: number;
  /** where the light comes from (a direction, not a position) */
  direction: Vec3;
}

export interface LightPlan {
  name: string;
  ambient: Rgb;
  ambientIntensity: number;
  hemi?: { sky: Rgb; ground: Rgb; intensity: number };
  directional: DirectionalLightPlan[];
}

export interface PlanePlan {
  size: [number, number];
  position: Vec3;
  rotation: Vec3;
  colour?: Rgb;
  texture?: string;
  repeat?: [number, number];
}

export interface NametagPlan {
  lines: string[];
  family: string;
  fallback?: string;
  /** text colour, 0-255 */
  colour: Rgb;
  /** plate colour 0-255 and alpha 0-1; none: text only */
  plate?: [number, number, number, number];
  /** line height in pixels = max(minLinePx, linePxPerHeight * H * (characterHeight / H)^exponent) */
  linePxPerHeight: number;
  exponent: number;
  minLinePx: number;
  /** feet above the head top */
  lift: number;
}

export interface CharacterPlan {
  id: number;
  label: string;
  /** URL of the posed character's GLB */
  glb: string;
  position: Vec3;
  yaw: number;
  scale?: number;
  headTop?: Vec3;
  shadow?: { radius: number; opacity: number };
  nametag?: NametagPlan;
}

/** A set piece (a building, a room): drawn, hides what is behind it, never labelled. */
export interface PropPlan {
  glb: string;
  position: Vec3;
  yaw: number;
  /** meshes whose name contains `match` get this colour (and texture, repeated) */
  tints?: { match: string; colour: Rgb; texture?: string; repeat?: [number, number] }[];
}

export interface ScenePlan {
  width: number;
  height: number;
  antialias: boolean;
  camera: { fov: number; position: Vec3; target: Vec3; near?: number; far?: number };
  light: LightPlan;
  /** a backdrop image filling the frame (URL), else a flat colour */
  background: { image?: string; colour?: Rgb };
  set?: { planes: PlanePlan[]; props?: PropPlan[] };
  characters: CharacterPlan[];
  fonts?: { family: string; url: string }[];
  blurPx?: number;
  /** the frame the page sends back: encoded, or raw RGBA rows for Node to encode */
  output: { type: 'image/png' | 'image/jpeg' | 'raw'; quality?: number };
  measureVisibility?: boolean;
  /** size of the id pass against the frame (default 0.5) */
  idScale?: number;
  /** wait for the GPU after the main render so the timings split render from read-back */
  syncTimings?: boolean;
}
