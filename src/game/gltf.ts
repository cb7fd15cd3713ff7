// Writes a posed character's parts as one glTF 2.0 binary (GLB) with @gltf-transform/core: a mesh per
// part with positions, normals, UVs and vertex colours, PNG textures with alpha, and materials whose
// colour, alpha mode and sidedness follow the game's render state. Converts the game's Z-up frame to
// glTF's Y-up with the character facing +Z.
import { Document, NodeIO, type Material, type Texture } from '@gltf-transform/core';
import sharp from 'sharp';
import type { AssetSource } from './assets.ts';
import type { Part } from './scene.ts';

export interface GlbResult {
  glb: Uint8Array;
  bounds: { min: [number, number, number]; max: [number, number, number] };
}

/** The game's frame (X right, Y forward, Z up; characters face +Y) to glTF's (Y up, facing +Z): a half turn about up. */
export function toGltf(x: number, y: number, z: number): [number, number, number] {
  return [-x, z, y];
}

const pngCache = new WeakMap<AssetSource, Map<string, Promise<{ png: Uint8Array; hasAlpha: boolean }>>>();

/** A texture as PNG bytes (cached per asset source). */
export function texturePng(assets: AssetSource, file: string, alphaFile: string, model: string): Promise<{ png: Uint8Array; hasAlpha: boolean }> {
  let cache = pngCache.get(assets);
  if (!cache) { cache = new Map(); pngCache.set(assets, cache); }
  const key = `${file}|${alphaFile}|${model}`;
  let p = cache.get(key);
  if (!p) {
    p = assets.texture(file, alphaFile, model).then(async (img) => ({
      png: new Uint8Array(await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 4 } }).png({ compressionLevel: 3 }).toBuffer()),
      hasAlpha: img.hasAlpha,
    }));
    cache.set(key, p);
    p.catch(() => cache!.delete(key));
  }
  return p;
}

export interface GlbOptions {
  /** names the scene's root node */
  name: string;
  /** extra values stored in the root node's extras */
  extras?: Record<string, unknown>;
}

/** Writes parts (vertices in the game's frame, already posed and placed) as a GLB. */
export async function writeGlb(assets: AssetSource, parts: Part[], opts: GlbOptions): Promise<GlbResult> {
  const doc = new Document();
  const buffer = doc.createBuffer();
  const scene = doc.createScene(opts.name);
  const root = doc.createNode(opts.name);
  if (opts.extras) root.setExtras(opts.extras);
  scene.addChild(root);
  const min: [number, number, number] = [Infinity, Infinity, Infinity];
  const max: [number, number, number] = [-Infinity, -Infinity, -Infinity];
  const textures = new Map<string, Texture>();
  const materials = new Map<string, Material>();

  for (const [pi, part] of parts.entries()) {
    const n = part.positions.length / 3;
    const pos = new Float32Array(n * 3);
    for (let v = 0; v < n; v++) {
      const [x, y, z] = toGltf(part.positions[v * 3], part.positions[v * 3 + 1], part.positions[v * 3 + 2]);
      pos[v * 3] = x; pos[v * 3 + 1] = y; pos[v * 3 + 2] = z;
      if (x < min[0]) min[0] = x; if (y < min[1]) min[1] = y; if (z < min[2]) min[2] = z;
      if (x > max[0]) max[0] = x; if (y > max[1]) max[1] = y; if (z > max[2]) max[2] = z;
    }
    const prim = doc.createPrimitive()
      .setAttribute('POSITION', doc.createAccessor().setType('VEC3').setArray(pos).setBuffer(buffer))
      .setIndices(doc.createAccessor().setType('SCALAR').setArray(n > 65535 ? part.indices : Uint16Array.from(part.indices)).setBuffer(buffer));
    if (part.normals) {
      const nor = new Float32Array(n * 3);
      for (let v = 0; v < n; v++) {
        const [x, y, z] = toGltf(part.normals[v * 3], part.normals[v * 3 + 1], part.normals[v * 3 + 2]);
        nor[v * 3] = x; nor[v * 3 + 1] = y; nor[v * 3 + 2] = z;
      }
      prim.setAttribute('NORMAL', doc.createAccessor().setType('VEC3').setArray(nor).setBuffer(buffer));
    }
    const st = part.state;
    let texKey = '';
    if (st.texture && part.uvs) {
      texKey = `${st.texture.file}|${st.texture.alphaFile}|${st.texture.model}`;
      const uv = new Float32Array(n * 2);
      for (let v = 0; v < n; v++) { uv[v * 2] = part.uvs[v * 2]; uv[v * 2 + 1] = 1 - part.uvs[v * 2 + 1]; }
      prim.setAttribute('TEXCOORD_0', doc.createAccessor().setType('VEC2').setArray(uv).setBuffer(buffer));
    }
    if (part.colors && st.vertexColor) {
      prim.setAttribute('COLOR_0', doc.createAccessor().setType('VEC4').setArray(part.colors).setBuffer(buffer));
    }
    const base = st.flatColor ?? [1, 1, 1, 1];
    const factor = base.map((c, i) => c * st.colorScale[i]) as [number, number, number, number];
    let hasAlpha = false;
    let texture: Texture | undefined;
    if (texKey) {
      texture = textures.get(texKey);
      const { png, hasAlpha: a } = await texturePng(assets, st.texture!.file, st.texture!.alphaFile, st.texture!.model);
      hasAlpha = a;
      if (!texture) {
        texture = doc.createTexture(st.texture!.file).setImage(png).setMimeType('image/png').setURI(`${textures.size}.png`);
        textures.set(texKey, texture);
      }
    }
    // The game's transparency: alpha/dual blend, binary is a cutout; no TransparencyAttrib means opaque.
    const alphaMode = st.transparency === 5 ? 'MASK' : st.transparency > 0 && (hasAlpha || factor[3] < 1) ? 'BLEND' : 'OPAQUE';
    const matKey = `${texKey}|${factor.join(',')}|${alphaMode}|${st.twoSided}`;
    let mat = materials.get(matKey);
    if (!mat) {
      mat = doc.createMaterial(`${part.name}`)
        .setBaseColorFactor(factor)
        .setMetallicFactor(0)
        .setRoughnessFactor(1)
        .setAlphaMode(alphaMode)
        .setDoubleSided(st.twoSided);
      if (alphaMode === 'MASK') mat.setAlphaCutoff(0.5);
      if (texture) mat.setBaseColorTexture(texture);
      materials.set(matKey, mat);
    }
    prim.setMaterial(mat);
    const mesh = doc.createMesh(part.name).addPrimitive(prim);
    const node = doc.createNode(part.name).setMesh(mesh);
    // Draw order hints for renderers: the game draws parts in scene order, eyes and pupils after the head.
    node.setExtras({ path: part.path.join('/'), drawOrder: pi, bin: st.bin ?? null, depthWrite: st.depthWrite });
    root.addChild(node);
  }
  const glb = await new NodeIO().writeBinary(doc);
  return { glb, bounds: { min, max } };
}
