// Poses a character with one of the game's own animations at a given frame: evaluates the joint
// hierarchy (each joint's value from its animation channel, composed up to the character) and bakes the
// skinning (each vertex blended by its joints' weights) into plain vertex positions and normals.
import type {
  AnimBundleData, AnimBundleNodeData, AnimChannelMatrixXfmTableData, AnimGroupData, BamFile, CharacterData,
  CharacterJointData, JointVertexTransformData, Mat4, PartBundleData, PartGroupData, UserVertexTransformData,
} from './bam.ts';
import { BamError } from './bam.ts';
import { compose, identity, multiply, transformPoint, transformVector } from './mat4.ts';
import type { Part, SceneNode } from './scene.ts';
import { walk } from './scene.ts';

export interface Joint {
  id: number;
  name: string;
  parent?: Joint;
  children: Joint[];
  rest: Mat4;
  initialInverse: Mat4;
  netNodes: number[];
  localNodes: number[];
}

/** The joints of one Character (its CharacterJointBundle), by id and by name. */
export class Skeleton {
  readonly joints = new Map<number, Joint>();
  readonly byName = new Map<string, Joint>();
  readonly roots: Joint[] = [];
  rootXform: Mat4 = identity();

  constructor(readonly bam: BamFile, readonly character: CharacterData) {
    const bundle = bam.need<PartBundleData>(character.bundles[0], 'PartBundle', character);
    if (bundle.rootXform) this.rootXform = bundle.rootXform;
    const visit = (id: number, parent: Joint | undefined): void => {
      const g = bam.need<PartGroupData>(id, 'PartGroup', bundle);
      let here = parent;
      if (bam.isA(g, 'CharacterJoint')) {
        const j = g as CharacterJointData;
        const joint: Joint = { id, name: j.name, parent, children: [], rest: j.value, initialInverse: j.initialNetTransformInverse, netNodes: j.netNodes, localNodes: j.localNodes };
        this.joints.set(id, joint);
        if (!this.byName.has(j.name)) this.byName.set(j.name, joint);
        if (parent) parent.children.push(joint); else this.roots.push(joint);
        here = joint;
      }
      for (const c of g.children) visit(c, here);
    };
    for (const c of bundle.children) visit(c, undefined);
  }
}

/** One of the game's animations, read from its BAM (an AnimBundleNode and its channel tables). */
export class Animation {
  readonly channels = new Map<string, AnimChannelMatrixXfmTableData>();
  readonly numFrames: number;
  readonly fps: number;
  readonly name: string;

  constructor(readonly bam: BamFile) {
    const node = [...bam.objects.values()].find((o) => bam.isA(o, 'AnimBundleNode')) as AnimBundleNodeData | undefined;
    if (!node) throw new BamError(bam.file, 'holds no animation (AnimBundleNode)');
    const bundle = bam.need<AnimBundleData>(node.bundle, 'AnimBundle', node);
    this.numFrames = bundle.numFrames;
    this.fps = bundle.fps;
    this.name = bundle.name;
    const visit = (id: number): void => {
      const g = bam.need<AnimGroupData>(id, 'AnimGroup', bundle);
      if (g.type === 'AnimChannelMatrixXfmTable' && !this.channels.has(g.name)) this.channels.set(g.name, g as AnimChannelMatrixXfmTableData);
      for (const c of g.children) visit(c);
    };
    for (const c of bundle.children) visit(c);
  }

  /** A joint's local matrix at a frame (the frame wraps around), or undefined when not animated. */
  value(joint: string, frame: number): Mat4 | undefined {
    const ch = this.channels.get(joint);
    if (!ch) return undefined;
    const f = ((Math.floor(frame) % this.numFrames) + this.numFrames) % this.numFrames;
    const c = new Array<number>(12);
    const defaults = [1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    for (let i = 0; i < 12; i++) {
      const t = ch.tables[i];
      c[i] = t && t.length ? t[f % t.length] : defaults[i];
    }
    return compose([c[0], c[1], c[2]], [c[3], c[4], c[5]], [c[6], c[7], c[8]], [c[9], c[10], c[11]]);
  }
}

/** Each joint's net transform (relative to the character) in the pose; the rest pose without animation. */
export function poseJoints(skeleton: Skeleton, anim?: Animation, frame = 0): Map<number, Mat4> {
  const nets = new Map<number, Mat4>();
  const visit = (j: Joint, parentNet: Mat4): void => {
    const local = anim?.value(j.name, frame) ?? j.rest;
    const net = multiply(local, parentNet);
    nets.set(j.id, net);
    for (const c of j.children) visit(c, net);
  };
  for (const r of skeleton.roots) visit(r, skeleton.rootXform);
  return nets;
}

/** Local transforms for the nodes that expose or control joints (their scene nodes follow the pose). */
export function jointNodeOverrides(skeleton: Skeleton, nets: Map<number, Mat4>, anim?: Animation, frame = 0): Map<number, Mat4> {
  const out = new Map<number, Mat4>();
  for (const j of skeleton.joints.values()) {
    for (const n of j.netNodes) out.set(n, nets.get(j.id)!);
    for (const n of j.localNodes) out.set(n, anim?.value(j.name, frame) ?? j.rest);
  }
  return out;
}

/**
 * Bakes a skinned part into the pose: each vertex moves by the weighted sum of its joints' skinning
 * matrices (the joint's initial net transform inverse, then its posed net transform). Returns a copy.
 */
export function skinPart(part: Part, skeleton: Skeleton, nets: Map<number, Mat4>): Part {
  if (!part.skin) return part;
  const { offsets, transforms: joints, weights } = part.skin;
  const skinMats = new Map<number, Mat4>();
  const bam = skeleton.bam;
  const matOf = (tid: number): Mat4 => {
    let m = skinMats.get(tid);
    if (!m) {
      const t = bam.get(tid);
      if (t && bam.isA(t, 'JointVertexTransform')) {
        const jid = (t as JointVertexTransformData).joint;
        const joint = skeleton.joints.get(jid);
        const net = nets.get(jid);
        if (!joint || !net) throw new BamError(bam.file, `a vertex is skinned to object ${jid}, which is not a joint of ${skeleton.character.name}`, t);
        m = multiply(joint.initialInverse, net);
      } else if (t && bam.isA(t, 'UserVertexTransform')) {
        m = (t as UserVertexTransformData).matrix;
      } else {
        throw new BamError(bam.file, `a vertex is skinned to object ${tid}, which is no vertex transform this reader knows`, t);
      }
      skinMats.set(tid, m);
    }
    return m;
  };
  const n = part.positions.length / 3;
  const positions = new Float32Array(part.positions.length);
  const normals = part.normals ? new Float32Array(part.normals.length) : undefined;
  const p = [0, 0, 0], q = [0, 0, 0];
  for (let v = 0; v < n; v++) {
    const x = part.positions[v * 3], y = part.positions[v * 3 + 1], z = part.positions[v * 3 + 2];
    let sx = 0, sy = 0, sz = 0, nx = 0, ny = 0, nz = 0, wsum = 0;
    for (let k = offsets[v]; k < offsets[v + 1]; k++) {
      const w = weights[k];
      const m = matOf(joints[k]);
      transformPoint(m, x, y, z, p);
      sx += w * p[0]; sy += w * p[1]; sz += w * p[2];
      if (part.normals) {
        transformVector(m, part.normals[v * 3], part.normals[v * 3 + 1], part.normals[v * 3 + 2], q);
        nx += w * q[0]; ny += w * q[1]; nz += w * q[2];
      }
      wsum += w;
    }
    if (wsum <= 0) { sx = x; sy = y; sz = z; if (part.normals) { nx = part.normals[v * 3]; ny = part.normals[v * 3 + 1]; nz = part.normals[v * 3 + 2]; } }
    else if (Math.abs(wsum - 1) > 1e-4) { sx /= wsum; sy /= wsum; sz /= wsum; }
    positions[v * 3] = sx; positions[v * 3 + 1] = sy; positions[v * 3 + 2] = sz;
    if (normals) {
      const len = Math.hypot(nx, ny, nz) || 1;
      normals[v * 3] = nx / len; normals[v * 3 + 1] = ny / len; normals[v * 3 + 2] = nz / len;
    }
  }
  return { ...part, positions, normals, skin: undefined };
}

/** The Character node of a model's scene tree (the first one). */
export function findCharacter(root: SceneNode): SceneNode | undefined {
  for (const n of walk(root)) if (n.data.type === 'Character' || (n.data as CharacterData).bundles) return n;
  return undefined;
}
