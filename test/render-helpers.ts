// Stand-in characters for the render tests: box-built figures as GLB (glTF 2.0 binary, Y up, feet at
// y = 0, facing +Z, game units), made with @gltf-transform/core, in the shape the game's builders return.
import { Document, NodeIO } from '@gltf-transform/core';

export interface StandIn {
  label: string;
  glb: Uint8Array;
  bounds: { min: [number, number, number]; max: [number, number, number] };
  headTop: [number, number, number];
}

type Part = { min: [number, number, number]; max: [number, number, number]; colour: [number, number, number] };

/** The 24 vertices (4 per face, flat normals) and 36 indices of an axis-aligned box. */
function boxGeometry(p: Part, base: number): { pos: number[]; nrm: number[]; idx: number[] } {
  const [x0, y0, z0] = p.min;
  const [x1, y1, z1] = p.max;
  const faces: [number[], number[][]][] = [
    [[1, 0, 0], [[x1, y0, z0], [x1, y1, z0], [x1, y1, z1], [x1, y0, z1]]],
    [[-1, 0, 0], [[x0, y0, z1], [x0, y1, z1], [x0, y1, z0], [x0, y0, z0]]],
    [[0, 1, 0], [[x0, y1, z0], [x0, y1, z1], [x1, y1, z1], [x1, y1, z0]]],
    [[0, -1, 0], [[x0, y0, z1], [x0, y0, z0], [x1, y0, z0], [x1, y0, z1]]],
    [[0, 0, 1], [[x1, y0, z1], [x1, y1, z1], [x0, y1, z1], [x0, y0, z1]]],
    [[0, 0, -1], [[x0, y0, z0], [x0, y1, z0], [x1, y1, z0], [x1, y0, z0]]],
  ];
  const pos: number[] = [];
  const nrm: number[] = [];
  const idx: number[] = [];
  faces.forEach(([n, quad], f) => {
    for (const v of quad) {
      pos.push(...v);
      nrm.push(...n);
    }
    const b = base + f * 4;
    idx.push(b, b + 2, b + 1, b, b + 3, b + 2);
  });
  return { pos, nrm, idx };
}

/** A plain box GLB (a wall for the set), width x height x depth feet, standing on y = 0, centred. */
export async function standInBox(width: number, height: number, depth: number): Promise<Uint8Array> {
  const doc = new Document();
  const buffer = doc.createBuffer();
  const scene = doc.createScene();
  const g = boxGeometry({ min: [-width / 2, 0, -depth / 2], max: [width / 2, height, depth / 2], colour: [0.5, 0.5, 0.5] }, 0);
  const prim = doc
    .createPrimitive()
    .setAttribute('POSITION', doc.createAccessor().setType('VEC3').setArray(new Float32Array(g.pos)).setBuffer(buffer))
    .setAttribute('NORMAL', doc.createAccessor().setType('VEC3').setArray(new Float32Array(g.nrm)).setBuffer(buffer))
    .setIndices(doc.createAccessor().setType('SCALAR').setArray(new Uint16Array(g.idx)).setBuffer(buffer))
    .setMaterial(doc.createMaterial('wall').setBaseColorFactor([0.5, 0.5, 0.5, 1]));
  scene.addChild(doc.createNode('wall').setMesh(doc.createMesh('wall').addPrimitive(prim)));
  return new NodeIO().writeBinary(doc);
}

/** A figure of `height` feet: two legs, a body, two arms and a head, in flat colours. */
export async function standIn(label: string, height: number, colour: [number, number, number]): Promise<StandIn> {
  const h = height;
  const w = h * 0.32;
  const skin: [number, number, number] = [0.95, 0.8, 0.7];
  const parts: Part[] = [
    { min: [-w * 0.45, 0, -w * 0.2], max: [-w * 0.08, h * 0.45, w * 0.2], colour: [0.15, 0.15, 0.2] },
    { min: [w * 0.08, 0, -w * 0.2], max: [w * 0.45, h * 0.45, w * 0.2], colour: [0.15, 0.15, 0.2] },
    { min: [-w * 0.5, h * 0.45, -w * 0.3], max: [w * 0.5, h * 0.78, w * 0.3], colour },
    { min: [-w * 0.8, h * 0.5, -w * 0.15], max: [-w * 0.52, h * 0.76, w * 0.15], colour },
    { min: [w * 0.52, h * 0.5, -w * 0.15], max: [w * 0.8, h * 0.76, w * 0.15], colour },
    { min: [-w * 0.3, h * 0.79, -w * 0.28], max: [w * 0.3, h, w * 0.28], colour: skin },
  ];
  const doc = new Document();
  const buffer = doc.createBuffer();
  const scene = doc.createScene();
  const root = doc.createNode(label);
  scene.addChild(root);
  for (const [i, p] of parts.entries()) {
    const g = boxGeometry(p, 0);
    const mat = doc.createMaterial(`part${i}`).setBaseColorFactor([...p.colour, 1]).setMetallicFactor(0).setRoughnessFactor(1);
    const prim = doc
      .createPrimitive()
      .setAttribute('POSITION', doc.createAccessor().setType('VEC3').setArray(new Float32Array(g.pos)).setBuffer(buffer))
      .setAttribute('NORMAL', doc.createAccessor().setType('VEC3').setArray(new Float32Array(g.nrm)).setBuffer(buffer))
      .setIndices(doc.createAccessor().setType('SCALAR').setArray(new Uint16Array(g.idx)).setBuffer(buffer))
      .setMaterial(mat);
    root.addChild(doc.createNode(`part${i}`).setMesh(doc.createMesh(`part${i}`).addPrimitive(prim)));
  }
  const glb = await new NodeIO().writeBinary(doc);
  return {
    label,
    glb,
    bounds: { min: [-w * 0.8, 0, -w * 0.3], max: [w * 0.8, h, w * 0.3] },
    headTop: [0, h, 0],
  };
}

/** A CharacterSource of stand-ins: Cogs 6 ft tall in their suit's colour, Toons 3.5 ft. */
export function standInSource(labels: { cog: string[]; toon: string[] } = { cog: ['cog_cb_pennypincher', 'cog_sb_coldcaller'], toon: ['toon_dog', 'toon_cat'] }) {
  const colours: Record<string, [number, number, number]> = { bb: [0.45, 0.3, 0.15], lb: [0.2, 0.3, 0.6], cb: [0.25, 0.5, 0.3], sb: [0.5, 0.1, 0.2] };
  return {
    cogLabels: labels.cog,
    toonLabels: labels.toon,
    describe: 'stand-in characters',
    animations: async () => [] as string[],
    build: async (label: string) => {
      const cog = label.startsWith('cog_');
      return standIn(label, cog ? 6 : 3.5, cog ? colours[label.split('_')[1]!] ?? [0.4, 0.4, 0.4] : [0.9, 0.55, 0.2]);
    },
  };
}
