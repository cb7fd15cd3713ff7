// Reads Panda3D's BAM model files (the game's .bam characters, heads and animations) into plain objects.
// Written by hand: no npm library reads BAM. Learnt from the format's public description (Panda3D's
// bamReader.cxx and each class's fillin()); supports BAM 6.21 to 6.45 (the game's files are 6.24 to 6.44).
//
// A BAM file is "pbj\0\n\r", a header datagram (version, endianness, float width), then one datagram per
// object: an object code, a type handle (defined inline the first time it appears, with its parent types),
// an object id, then the object's fields. Pointers to other objects are object ids, resolved with get().
// Objects of types this reader does not know are read as their nearest known ancestor (the rest of the
// datagram is skipped) or kept as opaque { type, id }.
import { ToonVisionError } from '../errors.ts';

export const BAM_MAGIC = 'pbj\0\n\r';
export const BAM_MIN_MINOR = 21;
export const BAM_MAX_MINOR = 45;

/** One clear error naming the file and, when there is one, the object (type and id). */
export class BamError extends ToonVisionError {
  constructor(readonly file: string, problem: string, readonly object?: { type: string; id: number }) {
    super(`${file}: ${object ? `object ${object.id} (${object.type}): ` : ''}${problem}`, { code: 'bam' });
  }
}

/** A 4x4 matrix, row-major, for row vectors (Panda3D's convention: p' = p * M, translation in row 3). */
export type Mat4 = Float64Array;

export interface BamObject {
  id: number;
  type: string;
  /** The known type it was read as (type itself, or an ancestor for unknown subclasses). */
  readAs?: string;
}

export interface ChildRef { id: number; sort: number }

export interface PandaNodeData extends BamObject {
  name: string;
  state: number;
  transform: number;
  effects: number;
  tags: Record<string, string>;
  parents: number[];
  children: ChildRef[];
  stashed: ChildRef[];
}
export interface GeomNodeData extends PandaNodeData { geoms: { geom: number; state: number }[] }
export interface PartBundleNodeData extends PandaNodeData { bundles: number[] }
export interface CharacterData extends PartBundleNodeData { parts: number[] }
export interface AnimBundleNodeData extends PandaNodeData { bundle: number }

export interface TransformStateData extends BamObject {
  flags: number;
  pos?: [number, number, number];
  hpr?: [number, number, number];
  quat?: [number, number, number, number];
  scale?: [number, number, number];
  shear?: [number, number, number];
  mat?: Mat4;
}
export interface RenderStateData extends BamObject { attribs: { attrib: number; override: number }[] }
export interface RenderEffectsData extends BamObject { effects: number[] }
export interface TextureAttribData extends BamObject {
  offAll: boolean;
  offStages: number[];
  onStages: { stage: number; texture: number; sort: number; override: number }[];
}
export interface ColorAttribData extends BamObject { colorType: number; color: [number, number, number, number] }
export interface ColorScaleAttribData extends BamObject { off: boolean; scale: [number, number, number, number] }
export interface ModeAttribData extends BamObject { mode: number; reverse?: boolean; reference?: number }
export interface CullBinAttribData extends BamObject { bin: string; drawOrder: number }
export interface TextureStageData extends BamObject { isDefault: boolean; name: string; sort: number; texcoord: number; mode: number }
export interface TextureData extends BamObject {
  name: string;
  filename: string;
  alphaFilename: string;
  numChannels: number;
  alphaChannel: number;
  textureType: number;
  wrapU: number;
  wrapV: number;
}
export interface InternalNameData extends BamObject { name: string }

export interface GeomData extends BamObject {
  vertexData: number;
  primitives: number[];
  primitiveType: number;
  shadeModel: number;
}
export interface GeomVertexDataData extends BamObject {
  name: string;
  format: number;
  arrays: number[];
  transformTable: number;
  transformBlendTable: number;
  sliderTable: number;
}
export interface GeomVertexFormatData extends BamObject {
  animationType: number;
  numTransforms: number;
  indexedTransforms: boolean;
  arrays: number[];
}
export interface ColumnData { name: number; numComponents: number; numericType: number; contents: number; start: number }
export interface GeomVertexArrayFormatData extends BamObject { stride: number; totalBytes: number; columns: ColumnData[] }
export interface GeomVertexArrayDataData extends BamObject { format: number; data: Uint8Array }
export interface GeomPrimitiveData extends BamObject {
  shadeModel: number;
  firstVertex: number;
  numVertices: number;
  indexType: number;
  vertices: number;
  ends: number[] | null;
}
export interface TransformBlendTableData extends BamObject { blends: { transform: number; weight: number }[][] }
export interface TransformTableData extends BamObject { transforms: number[] }
export interface SliderTableData extends BamObject { sliders: { name: number; slider: number }[] }
export interface JointVertexTransformData extends BamObject { joint: number }
export interface UserVertexTransformData extends BamObject { matrix: Mat4 }

export interface PartGroupData extends BamObject { name: string; children: number[] }
export interface MovingPartMatrixData extends PartGroupData { value: Mat4; defaultValue: Mat4 }
export interface MovingPartScalarData extends PartGroupData { value: number; defaultValue: number }
export interface CharacterJointData extends MovingPartMatrixData {
  character: number;
  netNodes: number[];
  localNodes: number[];
  initialNetTransformInverse: Mat4;
}
export interface PartBundleData extends PartGroupData { rootXform: Mat4 | null }

export interface AnimGroupData extends BamObject { name: string; root: number; children: number[] }
export interface AnimBundleData extends AnimGroupData { fps: number; numFrames: number }
export interface AnimChannelMatrixXfmTableData extends AnimGroupData { lastFrame: number; tables: Float32Array[] }
export interface AnimChannelScalarTableData extends AnimGroupData { lastFrame: number; table: Float32Array }

/** The object codes that begin each object datagram (BamEnums::BamObjectCode). */
const BOC_PUSH = 0, BOC_POP = 1, BOC_ADJUNCT = 2, BOC_REMOVE = 3, BOC_FILE_DATA = 4;
const latin1 = new TextDecoder('latin1');

interface TypeDef { name: string; parents: number[] }

/** Reads the fields of one object datagram, little-endian as Panda3D's datagrams are. */
class Scan {
  pos: number;
  constructor(private readonly bam: BamFile, private readonly view: DataView, start: number, readonly end: number) {
    this.pos = start;
  }
  private need(n: number): void {
    if (this.pos + n > this.end) throw new RangeError(`needs ${n} more bytes at byte ${this.pos}, the datagram ends at ${this.end}`);
  }
  remaining(): number { return this.end - this.pos; }
  u8(): number { this.need(1); return this.view.getUint8(this.pos++); }
  i8(): number { this.need(1); return this.view.getInt8(this.pos++); }
  bool(): boolean { return this.u8() !== 0; }
  u16(): number { this.need(2); const v = this.view.getUint16(this.pos, true); this.pos += 2; return v; }
  i16(): number { this.need(2); const v = this.view.getInt16(this.pos, true); this.pos += 2; return v; }
  u32(): number { this.need(4); const v = this.view.getUint32(this.pos, true); this.pos += 4; return v; }
  i32(): number { this.need(4); const v = this.view.getInt32(this.pos, true); this.pos += 4; return v; }
  f32(): number { this.need(4); const v = this.view.getFloat32(this.pos, true); this.pos += 4; return v; }
  f64(): number { this.need(8); const v = this.view.getFloat64(this.pos, true); this.pos += 8; return v; }
  float(): number { return this.bam.stdfloatDouble ? this.f64() : this.f32(); }
  vec3(): [number, number, number] { return [this.float(), this.float(), this.float()]; }
  vec4(): [number, number, number, number] { return [this.float(), this.float(), this.float(), this.float()]; }
  mat4(): Mat4 { const m = new Float64Array(16); for (let i = 0; i < 16; i++) m[i] = this.float(); return m; }
  string(): string {
    const n = this.u16();
    this.need(n);
    const s = latin1.decode(new Uint8Array(this.view.buffer, this.view.byteOffset + this.pos, n));
    this.pos += n;
    return s;
  }
  bytes(n: number): Uint8Array {
    this.need(n);
    const b = new Uint8Array(this.view.buffer, this.view.byteOffset + this.pos, n).slice();
    this.pos += n;
    return b;
  }
  /** An object id (0 is null); the file switches to 32-bit ids after the id 0xffff. */
  objectId(): number { return this.bam.readObjectId(this); }
  pointer(): number { return this.objectId(); }
  pointers(n: number): number[] { const out: number[] = []; for (let i = 0; i < n; i++) out.push(this.pointer()); return out; }
  handle(): number { return this.bam.readHandle(this); }
  /** A shared array (PTA) of uint32, read the first time its id appears and reused after. */
  ptaInts(): number[] | null {
    const id = this.bam.readPtaId(this);
    if (id !== 0 && this.bam.ptas.has(id)) return this.bam.ptas.get(id) as number[];
    const n = this.u32();
    const arr: number[] = [];
    for (let i = 0; i < n; i++) arr.push(this.u32());
    if (id !== 0) this.bam.ptas.set(id, arr);
    return id === 0 ? null : arr;
  }
}

type Reader = (s: Scan, o: any, bam: BamFile) => void;

function readPandaNode(s: Scan, o: PandaNodeData, bam: BamFile): void {
  o.name = s.string();
  o.state = s.pointer();
  o.transform = s.pointer();
  o.effects = s.pointer();
  s.u32(); // draw control mask
  s.u32(); // draw show mask
  s.u32(); // into collide mask
  if (bam.minor >= 19) s.u8(); // bounds type
  const numTags = s.u32();
  o.tags = {};
  for (let i = 0; i < numTags; i++) { const k = s.string(); o.tags[k] = s.string(); }
  o.parents = s.pointers(s.u16());
  const down = (): ChildRef[] => {
    const n = s.u16();
    const out: ChildRef[] = [];
    for (let i = 0; i < n; i++) { const id = s.pointer(); out.push({ id, sort: s.i32() }); }
    return out;
  };
  o.children = down();
  o.stashed = down();
}

function readPartGroup(s: Scan, o: PartGroupData, bam: BamFile): void {
  o.name = s.string();
  if (bam.minor === 11) { s.bool(); s.mat4(); }
  o.children = s.pointers(s.u16());
}

function readMovingPartBase(s: Scan, o: PartGroupData, bam: BamFile): void {
  readPartGroup(s, o, bam);
  if (bam.minor >= 20) s.pointer(); // forced channel
}

function readAnimGroup(s: Scan, o: AnimGroupData): void {
  o.name = s.string();
  o.root = s.pointer();
  o.children = s.pointers(s.u16());
}

function readPartBundle(s: Scan, o: PartBundleData, bam: BamFile): void {
  readPartGroup(s, o, bam);
  if (bam.minor >= 17) s.pointer(); // anim preload table
  o.rootXform = null;
  if (bam.minor >= 10) { s.u8(); s.bool(); s.bool(); o.rootXform = s.mat4(); }
  if (bam.minor === 11) s.bool();
}

function readPrimitive(s: Scan, o: GeomPrimitiveData): void {
  o.shadeModel = s.u8();
  o.firstVertex = s.i32();
  o.numVertices = s.i32();
  o.indexType = s.u8();
  s.u8(); // usage hint
  o.vertices = s.pointer();
  o.ends = s.ptaInts();
}

/**
 * Reads the compressed form of animation tables (FFTCompressor). Only the lossless variants (quality
 * above 100, or per-table "reject compression") can be decoded here; the game's character animations
 * are stored uncompressed.
 */
function readCompressedReals(s: Scan, quality: number): Float32Array {
  const n = s.i32();
  if (quality > 100) { const a = new Float32Array(n); for (let i = 0; i < n; i++) a[i] = s.float(); return a; }
  if (n === 0) return new Float32Array(0);
  if (n === 1) return Float32Array.of(s.float());
  if (s.bool()) { const a = new Float32Array(n); for (let i = 0; i < n; i++) a[i] = s.float(); return a; }
  throw new Error('FFT-compressed animation channels are not supported');
}

const READERS: Record<string, Reader> = {
  PandaNode: readPandaNode,
  ModelNode: (s, o, bam) => { readPandaNode(s, o, bam); s.u8(); s.u16(); },
  ModelRoot: (s, o, bam) => { readPandaNode(s, o, bam); s.u8(); s.u16(); if (bam.minor >= 46) s.handle(); },
  GeomNode: (s, o: GeomNodeData, bam) => {
    readPandaNode(s, o, bam);
    const n = s.u16();
    o.geoms = [];
    for (let i = 0; i < n; i++) { const geom = s.pointer(); o.geoms.push({ geom, state: s.pointer() }); }
  },
  PartBundleNode: (s, o: PartBundleNodeData, bam) => {
    readPandaNode(s, o, bam);
    const n = bam.minor >= 5 ? s.u16() : 1;
    o.bundles = s.pointers(n);
  },
  Character: (s, o: CharacterData, bam) => {
    READERS.PartBundleNode(s, o, bam);
    o.parts = s.pointers(s.u16());
  },
  AnimBundleNode: (s, o: AnimBundleNodeData, bam) => { readPandaNode(s, o, bam); o.bundle = s.pointer(); },
  TransformState: (s, o: TransformStateData) => {
    o.flags = s.u32();
    if (o.flags & 0x8) { // components given
      o.pos = s.vec3();
      if (o.flags & 0x100) o.quat = s.vec4(); else o.hpr = s.vec3();
      o.scale = s.vec3();
      o.shear = s.vec3();
    }
    if (o.flags & 0x40) o.mat = s.mat4(); // matrix known
  },
  RenderState: (s, o: RenderStateData) => {
    const n = s.u16();
    o.attribs = [];
    for (let i = 0; i < n; i++) { const attrib = s.pointer(); o.attribs.push({ attrib, override: s.i32() }); }
  },
  RenderEffects: (s, o: RenderEffectsData) => { o.effects = s.pointers(s.u16()); },
  CharacterJointEffect: (s, o: { character: number }) => { o.character = s.pointer(); },
  TextureAttrib: (s, o: TextureAttribData, bam) => {
    o.offAll = s.bool();
    o.offStages = s.pointers(s.u16());
    const n = s.u16();
    o.onStages = [];
    for (let i = 0; i < n; i++) {
      const stage = s.pointer();
      const texture = s.pointer();
      const sort = bam.minor >= 15 ? s.u16() : i;
      const override = bam.minor >= 23 ? s.i32() : 0;
      if (bam.minor >= 36 && s.bool()) readSampler(s, bam);
      o.onStages.push({ stage, texture, sort, override });
    }
  },
  ColorAttrib: (s, o: ColorAttribData) => { o.colorType = s.i8(); o.color = s.vec4(); },
  ColorScaleAttrib: (s, o: ColorScaleAttribData) => { o.off = s.bool(); o.scale = s.vec4(); },
  TransparencyAttrib: (s, o: ModeAttribData) => { o.mode = s.i8(); },
  CullFaceAttrib: (s, o: ModeAttribData) => { o.mode = s.i8(); o.reverse = s.bool(); },
  DepthWriteAttrib: (s, o: ModeAttribData) => { o.mode = s.i8(); },
  DepthTestAttrib: (s, o: ModeAttribData) => { o.mode = s.i8(); },
  AlphaTestAttrib: (s, o: ModeAttribData) => { o.mode = s.i8(); o.reference = s.float(); },
  CullBinAttrib: (s, o: CullBinAttribData) => { o.bin = s.string(); o.drawOrder = s.i32(); },
  TextureStage: (s, o: TextureStageData) => {
    o.isDefault = s.bool();
    o.name = 'default';
    o.texcoord = 0;
    o.mode = 0;
    o.sort = 0;
    if (!o.isDefault) {
      o.name = s.string();
      o.sort = s.i32();
      s.i32(); // priority
      o.texcoord = s.pointer();
      o.mode = s.u8();
      // colour, scales and combine modes follow; not needed to draw the characters
    }
  },
  Texture: (s, o: TextureData, bam) => {
    o.name = s.string();
    o.filename = s.string();
    o.alphaFilename = s.string();
    o.numChannels = s.u8();
    o.alphaChannel = s.u8();
    s.bool(); // has raw data
    o.textureType = s.u8();
    if (bam.minor >= 32) s.bool(); // has read mipmaps
    const sampler = readSampler(s, bam);
    o.wrapU = sampler.wrapU;
    o.wrapV = sampler.wrapV;
    // the rest (compression, format, simple RAM image, raw images) is not needed: images are files beside
  },
  InternalName: (s, o: InternalNameData) => { o.name = s.string(); },
  Geom: (s, o: GeomData, bam) => {
    o.vertexData = s.pointer();
    o.primitives = s.pointers(s.u16());
    o.primitiveType = s.u8();
    o.shadeModel = s.u8();
    s.u16(); // geom rendering flags
    if (bam.minor >= 19) s.u8(); // bounds type
  },
  GeomVertexData: (s, o: GeomVertexDataData) => {
    o.name = s.string();
    o.format = s.pointer();
    s.u8(); // usage hint
    o.arrays = s.pointers(s.u16());
    o.transformTable = s.pointer();
    o.transformBlendTable = s.pointer();
    o.sliderTable = s.pointer();
  },
  GeomVertexFormat: (s, o: GeomVertexFormatData) => {
    o.animationType = s.u8();
    o.numTransforms = s.u16();
    o.indexedTransforms = s.bool();
    o.arrays = s.pointers(s.u16());
  },
  GeomVertexArrayFormat: (s, o: GeomVertexArrayFormatData, bam) => {
    o.stride = s.u16();
    o.totalBytes = s.u16();
    s.u8(); // pad to
    if (bam.minor > 36) s.u16(); // divisor
    const n = s.u16();
    o.columns = [];
    for (let i = 0; i < n; i++) {
      const name = s.pointer();
      const numComponents = s.u8();
      const numericType = s.u8();
      const contents = s.u8();
      const start = s.u16();
      if (bam.minor >= 29) s.u8(); // column alignment
      o.columns.push({ name, numComponents, numericType, contents, start });
    }
  },
  GeomVertexArrayData: (s, o: GeomVertexArrayDataData, bam) => {
    o.format = s.pointer();
    s.u8(); // usage hint
    if (bam.minor < 8) throw new Error('vertex arrays of BAM before 6.8 are not supported');
    o.data = s.bytes(s.u32());
  },
  GeomPrimitive: readPrimitive,
  TransformBlendTable: (s, o: TransformBlendTableData, bam) => {
    const n = s.u16();
    o.blends = [];
    for (let i = 0; i < n; i++) {
      const m = s.u16();
      const entries: { transform: number; weight: number }[] = [];
      for (let j = 0; j < m; j++) { const transform = s.pointer(); entries.push({ transform, weight: s.float() }); }
      o.blends.push(entries);
    }
    if (bam.minor >= 7) readSparseArray(s);
  },
  TransformTable: (s, o: TransformTableData) => { o.transforms = s.pointers(s.u16()); },
  SliderTable: (s, o: SliderTableData, bam) => {
    const n = s.u16();
    o.sliders = [];
    for (let i = 0; i < n; i++) {
      const name = s.pointer();
      const slider = s.pointer();
      if (bam.minor >= 7) readSparseArray(s);
      o.sliders.push({ name, slider });
    }
  },
  VertexTransform: () => {},
  JointVertexTransform: (s, o: JointVertexTransformData) => { o.joint = s.pointer(); },
  UserVertexTransform: (s, o: UserVertexTransformData) => { o.matrix = s.mat4(); },
  VertexSlider: () => {},
  CharacterVertexSlider: (s, o: { slider: number }) => { o.slider = s.pointer(); },
  PartGroup: readPartGroup,
  MovingPartBase: readMovingPartBase,
  MovingPartMatrix: (s, o: MovingPartMatrixData, bam) => {
    readMovingPartBase(s, o, bam);
    o.value = s.mat4();
    o.defaultValue = s.mat4();
  },
  MovingPartScalar: (s, o: MovingPartScalarData, bam) => {
    readMovingPartBase(s, o, bam);
    o.value = s.float();
    o.defaultValue = s.float();
  },
  CharacterJoint: (s, o: CharacterJointData, bam) => {
    READERS.MovingPartMatrix(s, o, bam);
    o.character = bam.minor >= 4 ? s.pointer() : 0;
    o.netNodes = s.pointers(s.u16());
    o.localNodes = s.pointers(s.u16());
    o.initialNetTransformInverse = s.mat4();
  },
  CharacterSlider: (s, o, bam) => READERS.MovingPartScalar(s, o, bam),
  PartBundle: readPartBundle,
  AnimGroup: readAnimGroup,
  AnimBundle: (s, o: AnimBundleData) => { readAnimGroup(s, o); o.fps = s.float(); o.numFrames = s.u16(); },
  AnimChannelMatrixXfmTable: (s, o: AnimChannelMatrixXfmTableData) => {
    readAnimGroup(s, o);
    o.lastFrame = s.u16();
    const compressed = s.bool();
    const newHpr = s.bool();
    if (!newHpr) throw new Error('animation tables with the pre-4.14 HPR convention are not supported');
    o.tables = [];
    if (!compressed) {
      for (let i = 0; i < 12; i++) {
        const n = s.u16();
        const t = new Float32Array(n);
        for (let j = 0; j < n; j++) t[j] = s.float();
        o.tables.push(t);
      }
    } else {
      const quality = s.i8();
      if (quality < 0) { s.f64(); s.f64(); s.f64(); }
      if (quality <= 100) throw new Error(`FFT-compressed animation channels (quality ${quality}) are not supported`);
      for (let i = 0; i < 6; i++) o.tables.push(readCompressedReals(s, quality));
      if (quality < 103) throw new Error(`compressed rotations (quality ${quality}) are not supported`);
      if (quality >= 104) { for (let i = 0; i < 3; i++) o.tables.push(readCompressedReals(s, quality)); }
      else throw new Error(`compressed rotation matrices (quality ${quality}) are not supported`);
      for (let i = 9; i < 12; i++) o.tables.push(readCompressedReals(s, quality));
    }
  },
  AnimChannelScalarTable: (s, o: AnimChannelScalarTableData) => {
    readAnimGroup(s, o);
    o.lastFrame = s.u16();
    if (!s.bool()) {
      const n = s.u16();
      o.table = new Float32Array(n);
      for (let i = 0; i < n; i++) o.table[i] = s.float();
      return;
    }
    const indexLength = s.u8();
    if (indexLength === 0xff) throw new Error('FFT-compressed scalar channels are not supported');
    const index: number[] = [];
    for (let i = 0; i < indexLength; i++) index.push(s.float());
    const out: number[] = [];
    if (indexLength > 0) {
      const n = s.u16();
      if (indexLength === 1) for (let i = 0; i < n; i++) out.push(index[0]);
      else {
        let i = 0;
        for (; i < n - 1; i += 2) { const b = s.u8(); out.push(index[(b >> 4) & 0xf], index[b & 0xf]); }
        if (i < n) out.push(index[(s.u8() >> 4) & 0xf]);
      }
    }
    o.table = Float32Array.from(out);
  },
};
/** Readers that stop once they have what the characters need (the rest of the datagram is skipped). */
const PARTIAL_READERS = new Set(['Texture', 'TextureStage']);

// Subclasses whose fields are exactly their parent's.
for (const [sub, base] of [
  ['CharacterJointBundle', 'PartBundle'],
  ['GeomTriangles', 'GeomPrimitive'], ['GeomTristrips', 'GeomPrimitive'], ['GeomTrifans', 'GeomPrimitive'],
  ['GeomLines', 'GeomPrimitive'], ['GeomLinestrips', 'GeomPrimitive'], ['GeomPoints', 'GeomPrimitive'],
  ['GeomPatches', 'GeomPrimitive'],
] as const) READERS[sub] = READERS[base];

function readSampler(s: Scan, bam: BamFile): { wrapU: number; wrapV: number } {
  const wrapU = s.u8();
  const wrapV = s.u8();
  s.u8(); s.u8(); s.u8(); // wrap w, min and mag filter
  s.i16(); // anisotropic degree
  s.vec4(); // border colour
  if (bam.minor >= 36) { s.float(); s.float(); s.float(); }
  return { wrapU, wrapV };
}

function readSparseArray(s: Scan): void {
  const n = s.u32();
  for (let i = 0; i < n; i++) { s.i32(); s.i32(); }
  s.bool();
}

/** A read BAM file: its version, its objects by id and its first (root) object. */
export class BamFile {
  major = 0;
  minor = 0;
  littleEndian = true;
  stdfloatDouble = false;
  readonly objects = new Map<number, BamObject>();
  /** Ids of the top-level objects, in file order (a model file has one: its ModelRoot). */
  readonly roots: number[] = [];
  /** Objects of known types whose datagram held more than this reader read (a sign of a misread field). */
  readonly unreadBytes: { id: number; type: string; bytes: number }[] = [];
  /** @internal shared arrays by id */
  readonly ptas = new Map<number, unknown>();
  private readonly types = new Map<number, TypeDef>();
  private longObjectIds = false;
  private longPtaIds = false;

  /** The game path it was read from (`phase_3/models/char/...`), when read through an asset source. */
  gamePath = '';

  constructor(readonly file: string) {}

  get root(): BamObject {
    const r = this.objects.get(this.roots[0] ?? -1);
    if (!r) throw new BamError(this.file, 'holds no object');
    return r;
  }

  get<T extends BamObject = BamObject>(id: number): T | undefined {
    return id ? (this.objects.get(id) as T | undefined) : undefined;
  }

  /** Like get(), but one clear error when the object is missing or of an unexpected kind. */
  need<T extends BamObject = BamObject>(id: number, kind: string, from?: BamObject): T {
    const o = this.objects.get(id);
    if (!o) throw new BamError(this.file, `points to object ${id} (a ${kind}) that the file does not hold`, from);
    if (!this.isA(o, kind)) throw new BamError(this.file, `object ${id} is a ${o.type}, expected a ${kind}`, from);
    return o as T;
  }

  /** Whether an object's type is `kind` or derives from it (by the type tree the file declares). */
  isA(o: BamObject, kind: string): boolean {
    return o.type === kind || this.ancestors(o.type).includes(kind);
  }

  /** How many objects of each type the file holds. */
  typeCounts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const o of this.objects.values()) out[o.type] = (out[o.type] ?? 0) + 1;
    return out;
  }

  /** @internal */
  readObjectId(s: Scan): number {
    if (this.longObjectIds) return s.u32();
    const id = s.u16();
    if (id === 0xffff) this.longObjectIds = true;
    return id;
  }

  /** @internal */
  readPtaId(s: Scan): number {
    if (this.longPtaIds) return s.u32();
    const id = s.u16();
    if (id === 0xffff) this.longPtaIds = true;
    return id;
  }

  /** @internal reads a type handle, registering its definition (name and parents) the first time. */
  readHandle(s: Scan): number {
    const id = s.u16();
    if (id === 0 || this.types.has(id)) return id;
    const name = s.string();
    const numParents = s.u8();
    const parents: number[] = [];
    for (let i = 0; i < numParents; i++) parents.push(this.readHandle(s));
    this.types.set(id, { name, parents });
    return id;
  }

  private typeName(handle: number): string {
    return this.types.get(handle)?.name ?? `#${handle}`;
  }

  private ancestorCache = new Map<string, string[]>();
  /** The type's ancestors, nearest first (breadth-first over the parents the file declares). */
  ancestors(type: string): string[] {
    const cached = this.ancestorCache.get(type);
    if (cached) return cached;
    const byName = new Map<string, TypeDef>();
    for (const t of this.types.values()) byName.set(t.name, t);
    const out: string[] = [];
    const queue = [...(byName.get(type)?.parents ?? [])];
    while (queue.length) {
      const t = this.types.get(queue.shift()!);
      if (!t || out.includes(t.name)) continue;
      out.push(t.name);
      queue.push(...t.parents);
    }
    this.ancestorCache.set(type, out);
    return out;
  }

  /** @internal */
  parse(data: Uint8Array): void {
    const file = this.file;
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const magic = latin1.decode(data.subarray(0, 6));
    if (data.length < 6 || magic !== BAM_MAGIC) throw new BamError(file, 'is not a BAM file (no "pbj" header)');
    let pos = 6;
    const datagram = (): { start: number; end: number } | null => {
      if (pos === data.length) return null;
      if (pos + 4 > data.length) throw new BamError(file, `is truncated: ${data.length - pos} stray bytes at byte ${pos}`);
      const len = view.getUint32(pos, true);
      const start = pos + 4;
      const end = start + len;
      if (end > data.length) throw new BamError(file, `is truncated: a datagram at byte ${pos} of ${len} bytes runs past the end (${data.length} bytes)`);
      pos = end;
      return { start, end };
    };
    const header = datagram();
    if (!header || header.end - header.start < 5) throw new BamError(file, 'has no BAM version header');
    this.major = view.getUint16(header.start, true);
    this.minor = view.getUint16(header.start + 2, true);
    this.littleEndian = view.getUint8(header.start + 4) === 1;
    if (this.minor >= 27 && header.end - header.start >= 6) this.stdfloatDouble = view.getUint8(header.start + 5) !== 0;
    if (this.major !== 6 || this.minor < BAM_MIN_MINOR || this.minor > BAM_MAX_MINOR) {
      throw new BamError(file, `is BAM version ${this.major}.${this.minor}; this reader reads 6.${BAM_MIN_MINOR} to 6.${BAM_MAX_MINOR}`);
    }
    if (!this.littleEndian) throw new BamError(file, 'is a big-endian BAM file, which this reader does not read');

    let nesting = 0;
    let lastId = 0;
    for (;;) {
      const dg = datagram();
      if (!dg) break;
      const s = new Scan(this, view, dg.start, dg.end);
      let typeName = '(object header)';
      let id = 0;
      try {
        const boc = s.u8();
        if (boc === BOC_POP) { nesting--; continue; }
        if (boc === BOC_REMOVE) { while (s.remaining() > 0) this.objects.delete(this.readObjectId(s)); continue; }
        if (boc === BOC_FILE_DATA) continue;
        if (boc !== BOC_PUSH && boc !== BOC_ADJUNCT) throw new Error(`unknown object code ${boc}`);
        const handle = this.readHandle(s);
        typeName = this.typeName(handle);
        id = this.readObjectId(s);
        const topLevel = boc === BOC_PUSH && nesting === 0;
        if (boc === BOC_PUSH) nesting++;
        if (handle === 0) continue; // a reference to an object already read
        const obj: BamObject = { id, type: typeName };
        const readAs = [typeName, ...this.ancestors(typeName)].find((t) => READERS[t]);
        if (readAs) {
          obj.readAs = readAs;
          READERS[readAs](s, obj, this);
          if (readAs === typeName && !PARTIAL_READERS.has(readAs) && s.remaining() > 0) this.unreadBytes.push({ id, type: typeName, bytes: s.remaining() });
        }
        this.objects.set(id, obj);
        if (topLevel) this.roots.push(id);
        lastId = id;
      } catch (e) {
        if (e instanceof BamError) throw e;
        const msg = (e as Error).message;
        if (id === 0) throw new BamError(file, `bad object record after object ${lastId}: ${msg}`);
        throw new BamError(file, `cannot be read: ${msg}`, { type: typeName, id });
      }
    }
  }
}

/** Reads a BAM file from its bytes; `file` names it in errors. */
export function readBam(data: Uint8Array, file: string): BamFile {
  const bam = new BamFile(file);
  bam.parse(data);
  return bam;
}
