// Turns a read BAM model into drawable parts: walks the scene graph from the root (skipping stashed
// nodes), composes node transforms and render states, and reads each Geom's vertices (position, normal,
// UV, colour, skinning blend) and triangles (from triangle lists and strips) into flat arrays.
import type {
  BamFile, BamObject, ColorAttribData, ColorScaleAttribData, CullBinAttribData, GeomData, GeomNodeData,
  GeomPrimitiveData, GeomVertexArrayDataData, GeomVertexArrayFormatData, GeomVertexDataData, GeomVertexFormatData,
  InternalNameData, Mat4, ModeAttribData, PandaNodeData, RenderStateData, TextureAttribData,
  TextureData, TransformBlendTableData, TransformStateData, TransformTableData,
} from './bam.ts';
import { BamError } from './bam.ts';
import { compose, fromQuat, identity, multiply } from './mat4.ts';

/** How a part is drawn, from the render attributes along its path (Panda3D's override rules). */
export interface PartState {
  texture?: { file: string; alphaFile: string; model: string };
  /** A flat colour that replaces vertex colours (ColorAttrib flat). */
  flatColor?: [number, number, number, number];
  /** Whether the vertex colours are used (no flat colour). */
  vertexColor: boolean;
  colorScale: [number, number, number, number];
  /** TransparencyAttrib mode: 0 none, 1 alpha, 5 binary, 6 dual, ... */
  transparency: number;
  twoSided: boolean;
  bin?: string;
  drawOrder: number;
  depthWrite: boolean;
}

/**
 * Per-vertex skinning: vertex v blends the vertex transforms transforms[offsets[v]..offsets[v+1]) (object
 * ids: JointVertexTransform follows a joint, UserVertexTransform is a fixed matrix) with the weights there.
 */
export interface Skin {
  offsets: Uint32Array;
  transforms: number[];
  weights: number[];
}

export interface Part {
  /** the GeomNode's name */
  name: string;
  /** node names from the root's child down to the GeomNode */
  path: string[];
  positions: Float32Array;
  normals?: Float32Array;
  uvs?: Float32Array;
  colors?: Float32Array;
  indices: Uint32Array;
  skin?: Skin;
  state: PartState;
  /** net transform of the GeomNode relative to the model root */
  matrix: Mat4;
  /** the model it came from (for error messages and texture paths) */
  model: string;
}

export interface SceneNode {
  id: number;
  name: string;
  type: string;
  local: Mat4;
  parent?: SceneNode;
  children: SceneNode[];
  stashed: boolean;
  data: PandaNodeData;
}

/** A node's local transform as a matrix. */
export function transformMatrix(bam: BamFile, id: number): Mat4 {
  const ts = bam.get<TransformStateData>(id);
  if (!ts || ts.flags & 0x1 || ts.flags & 0x80) return identity();
  if (ts.mat) return ts.mat;
  if (ts.pos && ts.scale && ts.shear) {
    if (ts.quat) {
      const m = multiply(compose(ts.scale, ts.shear, [0, 0, 0], [0, 0, 0]), fromQuat(ts.quat));
      m[12] = ts.pos[0]; m[13] = ts.pos[1]; m[14] = ts.pos[2];
      return m;
    }
    return compose(ts.scale, ts.shear, ts.hpr ?? [0, 0, 0], ts.pos);
  }
  return identity();
}

/** The scene graph of a model as a tree (stashed children included, flagged). */
export function sceneTree(bam: BamFile, rootId = bam.roots[0]): SceneNode {
  const seen = new Set<number>();
  const build = (id: number, parent: SceneNode | undefined, stashed: boolean): SceneNode => {
    const data = bam.need<PandaNodeData>(id, 'PandaNode', parent?.data);
    if (seen.has(id)) throw new BamError(bam.file, 'is a node reached twice (a cycle or an instance)', data);
    seen.add(id);
    const node: SceneNode = { id, name: data.name, type: data.type, local: transformMatrix(bam, data.transform), parent, children: [], stashed, data };
    for (const c of data.children ?? []) node.children.push(build(c.id, node, stashed));
    for (const c of data.stashed ?? []) node.children.push(build(c.id, node, true));
    return node;
  };
  return build(rootId, undefined, false);
}

export function* walk(node: SceneNode): Generator<SceneNode> {
  yield node;
  for (const c of node.children) yield* walk(c);
}

/** Finds nodes by name: exact, or a glob with * and ? (as NodePath.find's '**' + '/name'). */
export function findNodes(root: SceneNode, pattern: string): SceneNode[] {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return [...walk(root)].filter((n) => re.test(n.name));
}

interface AttribEntry { obj: BamObject; override: number }

function composeState(bam: BamFile, parent: Map<string, AttribEntry>, stateId: number): Map<string, AttribEntry> {
  const rs = bam.get<RenderStateData>(stateId);
  if (!rs || !rs.attribs?.length) return parent;
  const out = new Map(parent);
  for (const a of rs.attribs) {
    const obj = bam.get(a.attrib);
    if (!obj) continue;
    const prev = out.get(obj.type);
    if (!prev || a.override >= prev.override) out.set(obj.type, { obj, override: a.override });
  }
  return out;
}

function resolveState(bam: BamFile, attribs: Map<string, AttribEntry>): PartState {
  const state: PartState = { vertexColor: true, colorScale: [1, 1, 1, 1], transparency: 0, twoSided: false, drawOrder: 0, depthWrite: true };
  const tex = attribs.get('TextureAttrib')?.obj as TextureAttribData | undefined;
  if (tex && tex.onStages?.length) {
    const first = [...tex.onStages].sort((a, b) => a.sort - b.sort)[0];
    const t = bam.get<TextureData>(first.texture);
    if (t) state.texture = { file: t.filename, alphaFile: t.alphaFilename, model: bam.gamePath || bam.file };
  }
  const color = attribs.get('ColorAttrib')?.obj as ColorAttribData | undefined;
  if (color && color.colorType === 1) { state.flatColor = color.color; state.vertexColor = false; }
  if (color && color.colorType === 2) state.vertexColor = false; // colour off: white
  const scale = attribs.get('ColorScaleAttrib')?.obj as ColorScaleAttribData | undefined;
  if (scale && !scale.off) state.colorScale = scale.scale;
  const tr = attribs.get('TransparencyAttrib')?.obj as ModeAttribData | undefined;
  if (tr) state.transparency = tr.mode;
  const cull = attribs.get('CullFaceAttrib')?.obj as ModeAttribData | undefined;
  if (cull && cull.mode === 0) state.twoSided = true;
  const bin = attribs.get('CullBinAttrib')?.obj as CullBinAttribData | undefined;
  if (bin) { state.bin = bin.bin; state.drawOrder = bin.drawOrder; }
  const dw = attribs.get('DepthWriteAttrib')?.obj as ModeAttribData | undefined;
  if (dw && dw.mode === 0) state.depthWrite = false;
  return state;
}

const NT_UINT8 = 0, NT_UINT16 = 1, NT_UINT32 = 2, NT_PACKED_DCBA = 3, NT_PACKED_DABC = 4, NT_FLOAT32 = 5, NT_FLOAT64 = 6, NT_STDFLOAT = 7;

function readColumn(bam: BamFile, array: GeomVertexArrayDataData, format: GeomVertexArrayFormatData, col: GeomVertexArrayFormatData['columns'][number], count: number, want: number, owner: BamObject): Float32Array {
  const out = new Float32Array(count * want);
  const view = new DataView(array.data.buffer, array.data.byteOffset, array.data.byteLength);
  const packed = col.numericType === NT_PACKED_DABC || col.numericType === NT_PACKED_DCBA;
  const n = packed ? Math.min(4, want) : Math.min(col.numComponents, want);
  for (let v = 0; v < count; v++) {
    const base = v * format.stride + col.start;
    for (let c = 0; c < n; c++) {
      let x: number;
      switch (col.numericType) {
        case NT_FLOAT32: x = view.getFloat32(base + c * 4, true); break;
        case NT_STDFLOAT: x = bam.stdfloatDouble ? view.getFloat64(base + c * 8, true) : view.getFloat32(base + c * 4, true); break;
        case NT_FLOAT64: x = view.getFloat64(base + c * 8, true); break;
        case NT_UINT8: x = view.getUint8(base + c); if (col.contents === 5) x /= 255; break;
        case NT_UINT16: x = view.getUint16(base + c * 2, true); break;
        case NT_UINT32: x = view.getUint32(base + c * 4, true); break;
        case NT_PACKED_DABC: case NT_PACKED_DCBA: {
          const w = view.getUint32(base, true);
          const bytes = [(w >>> 24) & 0xff, (w >>> 16) & 0xff, (w >>> 8) & 0xff, w & 0xff];
          // dabc: a r g b (alpha in the high byte) -> r g b a; dcba: a b g r -> r g b a
          const rgba = col.numericType === NT_PACKED_DABC ? [bytes[1], bytes[2], bytes[3], bytes[0]] : [bytes[3], bytes[2], bytes[1], bytes[0]];
          x = rgba[c] / 255;
          break;
        }
        default: throw new BamError(bam.file, `has a vertex column of numeric type ${col.numericType}, which this reader does not read`, owner);
      }
      out[v * want + c] = x;
    }
    if (want === 4 && n < 4) out[v * 4 + 3] = 1;
  }
  return out;
}

/** The triangles of a Geom's primitives (lists and strips), as vertex indices. */
function readTriangles(bam: BamFile, geom: GeomData): number[] {
  const tris: number[] = [];
  for (const pid of geom.primitives) {
    const prim = bam.need<GeomPrimitiveData>(pid, 'GeomPrimitive', geom);
    let vertex: (i: number) => number;
    let count: number;
    if (prim.vertices) {
      const arr = bam.need<GeomVertexArrayDataData>(prim.vertices, 'GeomVertexArrayData', prim);
      const view = new DataView(arr.data.buffer, arr.data.byteOffset, arr.data.byteLength);
      const size = prim.indexType === NT_UINT8 ? 1 : prim.indexType === NT_UINT16 ? 2 : 4;
      count = arr.data.byteLength / size;
      vertex = size === 1 ? (i) => view.getUint8(i) : size === 2 ? (i) => view.getUint16(i * 2, true) : (i) => view.getUint32(i * 4, true);
    } else {
      count = prim.numVertices;
      vertex = (i) => prim.firstVertex + i;
    }
    const kind = prim.type;
    if (kind === 'GeomTriangles') {
      for (let i = 0; i + 2 < count; i += 3) tris.push(vertex(i), vertex(i + 1), vertex(i + 2));
    } else if (kind === 'GeomTristrips') {
      const ends = prim.ends ?? [count];
      let vi = -2;
      for (const end of ends) {
        vi += 2; // the two vertices that join strips are not drawn
        let v0 = vertex(vi++), v1 = vertex(vi++);
        let reversed = false;
        while (vi < end) {
          const v2 = vertex(vi++);
          if (v0 !== v1 && v0 !== v2 && v1 !== v2) {
            if (reversed) tris.push(v1, v0, v2); else tris.push(v0, v1, v2);
          }
          reversed = !reversed;
          v0 = v1; v1 = v2;
        }
      }
    } else if (kind === 'GeomTrifans') {
      const ends = prim.ends ?? [count];
      let vi = 0;
      for (const end of ends) {
        const v0 = vertex(vi);
        for (let k = vi + 1; k + 1 < end; k++) tris.push(v0, vertex(k), vertex(k + 1));
        vi = end;
      }
    }
    // lines and points are not drawn
  }
  return tris;
}

/** Reads one Geom's vertices and triangles. */
export function readGeom(bam: BamFile, geomId: number, owner: BamObject): Omit<Part, 'name' | 'path' | 'state' | 'matrix' | 'model'> | null {
  const geom = bam.need<GeomData>(geomId, 'Geom', owner);
  const vdata = bam.need<GeomVertexDataData>(geom.vertexData, 'GeomVertexData', geom);
  const format = bam.need<GeomVertexFormatData>(vdata.format, 'GeomVertexFormat', vdata);
  const columns = new Map<string, { array: GeomVertexArrayDataData; format: GeomVertexArrayFormatData; col: GeomVertexArrayFormatData['columns'][number] }>();
  let count = -1;
  format.arrays.forEach((afId, i) => {
    const af = bam.need<GeomVertexArrayFormatData>(afId, 'GeomVertexArrayFormat', format);
    const arr = bam.need<GeomVertexArrayDataData>(vdata.arrays[i], 'GeomVertexArrayData', vdata);
    const rows = af.stride ? Math.floor(arr.data.byteLength / af.stride) : 0;
    count = count < 0 ? rows : Math.min(count, rows);
    for (const col of af.columns) {
      const name = bam.get<InternalNameData>(col.name)?.name ?? '';
      if (!columns.has(name)) columns.set(name, { array: arr, format: af, col });
    }
  });
  const vertex = columns.get('vertex');
  if (!vertex || count <= 0) return null;
  const indices = readTriangles(bam, geom);
  if (!indices.length) return null;
  for (const i of indices) if (i >= count) throw new BamError(bam.file, `a triangle names vertex ${i} of ${count}`, geom);
  const get = (name: string, want: number): Float32Array | undefined => {
    const c = columns.get(name);
    return c ? readColumn(bam, c.array, c.format, c.col, count, want, vdata) : undefined;
  };
  const result: Omit<Part, 'name' | 'path' | 'state' | 'matrix' | 'model'> = {
    positions: get('vertex', 3)!,
    normals: get('normal', 3),
    uvs: get('texcoord', 2),
    colors: get('color', 4),
    indices: Uint32Array.from(indices),
  };
  // Skinning: a per-vertex index into the TransformBlendTable, or per-vertex transform indices and weights.
  const blendCol = get('transform_blend', 1);
  const blendTable = bam.get<TransformBlendTableData>(vdata.transformBlendTable);
  const joints: number[] = [], weights: number[] = [];
  const offsets = new Uint32Array(count + 1);
  const jointOf = (vt: number, from: BamObject): number => bam.need(vt, 'VertexTransform', from).id;
  if (blendCol && blendTable) {
    for (let v = 0; v < count; v++) {
      offsets[v] = joints.length;
      const blend = blendTable.blends[blendCol[v]];
      if (!blend) throw new BamError(bam.file, `vertex ${v} names blend ${blendCol[v]} of ${blendTable.blends.length}`, blendTable);
      for (const e of blend) { joints.push(jointOf(e.transform, blendTable)); weights.push(e.weight); }
    }
    offsets[count] = joints.length;
    result.skin = { offsets, transforms: joints, weights };
  } else if (columns.has('transform_index') && columns.has('transform_weight')) {
    const table = bam.need<TransformTableData>(vdata.transformTable, 'TransformTable', vdata);
    const idx = get('transform_index', 4)!;
    const w = get('transform_weight', 4)!;
    const nw = columns.get('transform_weight')!.col.numComponents;
    for (let v = 0; v < count; v++) {
      offsets[v] = joints.length;
      let sum = 0;
      for (let k = 0; k < nw; k++) { sum += w[v * 4 + k]; joints.push(jointOf(table.transforms[idx[v * 4 + k]], table)); weights.push(w[v * 4 + k]); }
      // the last weight is implied when the format stores one fewer than the indices
      if (nw < 4 && columns.get('transform_index')!.col.numComponents > nw) {
        joints.push(jointOf(table.transforms[idx[v * 4 + nw]], table)); weights.push(1 - sum);
      }
    }
    offsets[count] = joints.length;
    result.skin = { offsets, transforms: joints, weights };
  }
  return result;
}

/**
 * Every drawable part under `root` (stashed nodes left out), with its net transform relative to the
 * root (the root's own transform too with includeRootTransform) and its composed render state.
 * `nodeOverride` may replace a node's local transform (posed joints).
 */
export function collectParts(bam: BamFile, root: SceneNode, opts: { nodeOverride?: (n: SceneNode) => Mat4 | undefined; includeRootTransform?: boolean } = {}): Part[] {
  const nodeOverride = opts.nodeOverride;
  const parts: Part[] = [];
  const visit = (node: SceneNode, parentMatrix: Mat4, parentState: Map<string, AttribEntry>, path: string[]): void => {
    if (node.stashed) return;
    const local = nodeOverride?.(node) ?? node.local;
    const matrix = node === root && !opts.includeRootTransform ? identity() : multiply(local, parentMatrix);
    const attribs = composeState(bam, parentState, node.data.state);
    const here = node === root ? path : [...path, node.name];
    const gn = node.data as GeomNodeData;
    if (gn.geoms) {
      for (const g of gn.geoms) {
        const geo = readGeom(bam, g.geom, gn);
        if (!geo) continue;
        const state = resolveState(bam, composeState(bam, attribs, g.state));
        parts.push({ ...geo, name: node.name, path: here, state, matrix, model: bam.file });
      }
    }
    for (const c of node.children) visit(c, matrix, attribs, here);
  };
  visit(root, identity(), new Map(), []);
  return parts;
}
