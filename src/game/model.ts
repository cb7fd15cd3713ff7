// One of the game's models, posed: loads the model (and an animation) through the asset source, poses
// its Character's joints at a frame, bakes the skinning and node transforms into the parts' vertices, and
// tells where each joint is (where the game attaches heads, torsos and nametags).
import type { AssetSource } from './assets.ts';
import type { CharacterData, Mat4 } from './bam.ts';
import { BamError } from './bam.ts';
import { identity, multiply, transformPoint, transformVector } from './mat4.ts';
import { Animation, Skeleton, findCharacter, jointNodeOverrides, poseJoints, skinPart } from './pose.ts';
import { collectParts, sceneTree, walk, type Part, type SceneNode } from './scene.ts';

export interface PosedModel {
  /** the model's game path */
  path: string;
  tree: SceneNode;
  /** parts in the model root's space, posed (matrix is identity) */
  parts: Part[];
  /** a joint's net transform relative to the model root in the pose, by joint name */
  joint(name: string): Mat4 | undefined;
  jointNames: string[];
}

/** Moves a part's vertices by a matrix (positions as points, normals as directions). Returns a copy. */
export function bakePart(part: Part, m: Mat4): Part {
  const n = part.positions.length / 3;
  const positions = new Float32Array(n * 3);
  for (let v = 0; v < n; v++) transformPoint(m, part.positions[v * 3], part.positions[v * 3 + 1], part.positions[v * 3 + 2], positions, v * 3);
  let normals: Float32Array | undefined;
  if (part.normals) {
    normals = new Float32Array(n * 3);
    for (let v = 0; v < n; v++) {
      transformVector(m, part.normals[v * 3], part.normals[v * 3 + 1], part.normals[v * 3 + 2], normals, v * 3);
      const l = Math.hypot(normals[v * 3], normals[v * 3 + 1], normals[v * 3 + 2]) || 1;
      normals[v * 3] /= l; normals[v * 3 + 1] /= l; normals[v * 3 + 2] /= l;
    }
  }
  // A mirroring matrix turns the triangles inside out: flip their winding to keep faces outward.
  const det = m[0] * (m[5] * m[10] - m[6] * m[9]) - m[1] * (m[4] * m[10] - m[6] * m[8]) + m[2] * (m[4] * m[9] - m[5] * m[8]);
  let indices = part.indices;
  if (det < 0) {
    indices = new Uint32Array(part.indices.length);
    for (let i = 0; i < indices.length; i += 3) { indices[i] = part.indices[i]; indices[i + 1] = part.indices[i + 2]; indices[i + 2] = part.indices[i + 1]; }
  }
  return { ...part, positions, normals, indices, matrix: identity() };
}

/**
 * Loads a model and poses it: with `animPath` (an animation BAM for the same skeleton) at `frame`, else
 * in its rest pose.
 */
export async function poseModel(assets: AssetSource, modelPath: string, animPath?: string, frame = 0): Promise<PosedModel> {
  const bam = await assets.bam(modelPath);
  const tree = sceneTree(bam);
  const charNode = findCharacter(tree);
  let anim: Animation | undefined;
  if (animPath) anim = new Animation(await assets.bam(animPath));
  let skeleton: Skeleton | undefined;
  let nets = new Map<number, Mat4>();
  let overrides = new Map<number, Mat4>();
  if (charNode) {
    skeleton = new Skeleton(bam, charNode.data as CharacterData);
    nets = poseJoints(skeleton, anim, frame);
    overrides = jointNodeOverrides(skeleton, nets, anim, frame);
    if (anim && ![...skeleton.byName.keys()].some((n) => anim!.channels.has(n))) {
      throw new BamError(anim.bam.file, `animates none of the joints of ${bam.file}`);
    }
  } else if (anim) {
    throw new BamError(bam.file, 'has no Character to animate');
  }
  const raw = collectParts(bam, tree, { nodeOverride: (n) => overrides.get(n.id) });
  const parts = raw.map((p) => bakePart(skeleton && p.skin ? skinPart(p, skeleton, nets) : p, p.matrix));
  // The Character node's net transform relative to the root, for the joints' positions.
  let charNet = identity();
  if (charNode) {
    for (let n: SceneNode | undefined = charNode; n && n !== tree; n = n.parent) charNet = multiply(charNet, n.local);
  }
  return {
    path: modelPath,
    tree,
    parts,
    joint: (name) => {
      const j = skeleton?.byName.get(name);
      const net = j && nets.get(j.id);
      return net ? multiply(net, charNet) : undefined;
    },
    jointNames: skeleton ? [...skeleton.byName.keys()] : [],
  };
}

/** Parts of a model under the nodes named `nodeName` (each such node's own transform included). */
export async function modelNodeParts(assets: AssetSource, modelPath: string, nodeName: string): Promise<Part[]> {
  const bam = await assets.bam(modelPath);
  const tree = sceneTree(bam);
  const out: Part[] = [];
  for (const n of walk(tree)) {
    if (n.name !== nodeName || n.stashed) continue;
    for (const p of collectParts(bam, n, { includeRootTransform: true })) out.push(bakePart(p, p.matrix));
  }
  return out;
}
