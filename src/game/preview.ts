// A small software rasteriser that draws a character's GLB to an RGBA image, to look at what the GLB
// holds without a browser (contact sheets of all Cogs and Toons, and checks in tests). Written by hand:
// the project's real renderer is three.js in Chromium; this one only needs a z-buffer, perspective,
// textures with alpha and a simple light, and has no dependency beyond reading the GLB.
import { NodeIO, type Primitive } from '@gltf-transform/core';
import sharp, { type OverlayOptions } from 'sharp';

export interface PreviewOptions {
  width?: number;
  height?: number;
  /** camera heading around the character in degrees (0: looking at its front, from +Z) */
  yaw?: number;
  /** camera pitch in degrees (positive looks down) */
  pitch?: number;
  background?: [number, number, number];
}

interface Tex { w: number; h: number; data: Uint8Array }

/** Draws a GLB (Y-up) centred in the frame, from the front by default. */
export async function previewGlb(glb: Uint8Array, opts: PreviewOptions = {}): Promise<{ width: number; height: number; data: Uint8Array }> {
  const W = opts.width ?? 256, H = opts.height ?? 384;
  const doc = await new NodeIO().readBinary(glb);
  const texCache = new Map<object, Tex>();
  const texOf = async (t: object & { getImage(): Uint8Array | null }): Promise<Tex | undefined> => {
    if (texCache.has(t)) return texCache.get(t);
    const img = t.getImage();
    if (!img) return undefined;
    const { data, info } = await sharp(img).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    const tex = { w: info.width, h: info.height, data };
    texCache.set(t, tex);
    return tex;
  };
  type Tri = { p: number[][]; uv?: number[][]; c?: number[][]; n: number[][]; factor: number[]; tex?: Tex; blend: boolean; cut: number };
  const tris: Tri[] = [];
  let min = [Infinity, Infinity, Infinity], max = [-Infinity, -Infinity, -Infinity];
  for (const node of doc.getRoot().listNodes()) {
    const mesh = node.getMesh();
    if (!mesh) continue;
    for (const prim of mesh.listPrimitives() as Primitive[]) {
      const pos = prim.getAttribute('POSITION')!.getArray()!;
      const nor = prim.getAttribute('NORMAL')?.getArray();
      const uv = prim.getAttribute('TEXCOORD_0')?.getArray();
      const col = prim.getAttribute('COLOR_0')?.getArray();
      const idx = prim.getIndices()!.getArray()!;
      const mat = prim.getMaterial();
      const factor = mat?.getBaseColorFactor() ?? [1, 1, 1, 1];
      const t = mat?.getBaseColorTexture();
      const tex = t ? await texOf(t) : undefined;
      const mode = mat?.getAlphaMode() ?? 'OPAQUE';
      for (let i = 0; i < idx.length; i += 3) {
        const vs = [idx[i], idx[i + 1], idx[i + 2]];
        const p = vs.map((v) => [pos[v * 3], pos[v * 3 + 1], pos[v * 3 + 2]]);
        for (const q of p) for (let k = 0; k < 3; k++) { min[k] = Math.min(min[k], q[k]); max[k] = Math.max(max[k], q[k]); }
        tris.push({
          p,
          n: vs.map((v) => (nor ? [nor[v * 3], nor[v * 3 + 1], nor[v * 3 + 2]] : [0, 0, 1])),
          uv: uv ? vs.map((v) => [uv[v * 2], uv[v * 2 + 1]]) : undefined,
          c: col ? vs.map((v) => [col[v * 4], col[v * 4 + 1], col[v * 4 + 2], col[v * 4 + 3]]) : undefined,
          factor, tex, blend: mode === 'BLEND', cut: mode === 'MASK' ? (mat?.getAlphaCutoff() ?? 0.5) : 0.02,
        });
      }
    }
  }
  const out = new Uint8Array(W * H * 4);
  const bg = opts.background ?? [235, 235, 235];
  for (let i = 0; i < W * H; i++) { out[i * 4] = bg[0]; out[i * 4 + 1] = bg[1]; out[i * 4 + 2] = bg[2]; out[i * 4 + 3] = 255; }
  if (!tris.length) return { width: W, height: H, data: out };
  const yaw = ((opts.yaw ?? 0) * Math.PI) / 180, pitch = ((opts.pitch ?? 8) * Math.PI) / 180;
  const centre = [(min[0] + max[0]) / 2, (min[1] + max[1]) / 2, (min[2] + max[2]) / 2];
  const size = Math.max(max[0] - min[0], max[1] - min[1], max[2] - min[2]);
  const dist = size * 2.6;
  // camera looking at the centre from yaw/pitch; view space: x right, y up, z toward the camera
  const cy = Math.cos(yaw), sy = Math.sin(yaw), cp = Math.cos(pitch), sp = Math.sin(pitch);
  const view = (q: number[]): number[] => {
    const x = q[0] - centre[0], y = q[1] - centre[1], z = q[2] - centre[2];
    const x1 = x * cy - z * sy, z1 = x * sy + z * cy; // heading
    const y2 = y * cp - z1 * sp, z2 = y * sp + z1 * cp; // pitch
    return [x1, y2, z2 - dist];
  };
  const f = (H * 0.5) / Math.tan((22 * Math.PI) / 180);
  const light = [0.4, 0.6, 0.7];
  const ll = Math.hypot(light[0], light[1], light[2]);
  const zbuf = new Float32Array(W * H).fill(-Infinity);
  const draw = (tri: Tri, pass: 'opaque' | 'blend'): void => {
    if ((pass === 'blend') !== tri.blend) return;
    const v = tri.p.map(view);
    if (v.some((q) => q[2] > -1e-3)) return;
    const s = v.map((q) => [W / 2 + (f * q[0]) / -q[2], H / 2 - (f * q[1]) / -q[2], 1 / -q[2]]);
    const area = (s[1][0] - s[0][0]) * (s[2][1] - s[0][1]) - (s[2][0] - s[0][0]) * (s[1][1] - s[0][1]);
    if (Math.abs(area) < 1e-9) return;
    const x0 = Math.max(0, Math.floor(Math.min(s[0][0], s[1][0], s[2][0])));
    const x1 = Math.min(W - 1, Math.ceil(Math.max(s[0][0], s[1][0], s[2][0])));
    const y0 = Math.max(0, Math.floor(Math.min(s[0][1], s[1][1], s[2][1])));
    const y1 = Math.min(H - 1, Math.ceil(Math.max(s[0][1], s[1][1], s[2][1])));
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const px = x + 0.5, py = y + 0.5;
        const w0 = ((s[1][0] - px) * (s[2][1] - py) - (s[2][0] - px) * (s[1][1] - py)) / area;
        const w1 = ((s[2][0] - px) * (s[0][1] - py) - (s[0][0] - px) * (s[2][1] - py)) / area;
        const w2 = 1 - w0 - w1;
        if (w0 < 0 || w1 < 0 || w2 < 0) continue;
        const iz = w0 * s[0][2] + w1 * s[1][2] + w2 * s[2][2];
        const zi = y * W + x;
        if (iz <= zbuf[zi]) continue;
        // perspective-correct weights
        const b0 = (w0 * s[0][2]) / iz, b1 = (w1 * s[1][2]) / iz, b2 = (w2 * s[2][2]) / iz;
        let r = tri.factor[0], g = tri.factor[1], b = tri.factor[2], a = tri.factor[3];
        if (tri.c) {
          r *= b0 * tri.c[0][0] + b1 * tri.c[1][0] + b2 * tri.c[2][0];
          g *= b0 * tri.c[0][1] + b1 * tri.c[1][1] + b2 * tri.c[2][1];
          b *= b0 * tri.c[0][2] + b1 * tri.c[1][2] + b2 * tri.c[2][2];
          a *= b0 * tri.c[0][3] + b1 * tri.c[1][3] + b2 * tri.c[2][3];
        }
        if (tri.tex && tri.uv) {
          let u = b0 * tri.uv[0][0] + b1 * tri.uv[1][0] + b2 * tri.uv[2][0];
          let t = b0 * tri.uv[0][1] + b1 * tri.uv[1][1] + b2 * tri.uv[2][1];
          u -= Math.floor(u); t -= Math.floor(t);
          const tx = Math.min(tri.tex.w - 1, Math.floor(u * tri.tex.w)), ty = Math.min(tri.tex.h - 1, Math.floor(t * tri.tex.h));
          const o = (ty * tri.tex.w + tx) * 4;
          r *= tri.tex.data[o] / 255; g *= tri.tex.data[o + 1] / 255; b *= tri.tex.data[o + 2] / 255; a *= tri.tex.data[o + 3] / 255;
        }
        if (a < tri.cut) continue;
        const nx = b0 * tri.n[0][0] + b1 * tri.n[1][0] + b2 * tri.n[2][0];
        const ny = b0 * tri.n[0][1] + b1 * tri.n[1][1] + b2 * tri.n[2][1];
        const nz = b0 * tri.n[0][2] + b1 * tri.n[1][2] + b2 * tri.n[2][2];
        const nl = Math.hypot(nx, ny, nz) || 1;
        const shade = 0.55 + 0.45 * Math.abs((nx * light[0] + ny * light[1] + nz * light[2]) / (nl * ll));
        const o = zi * 4;
        const alpha = tri.blend ? a : 1;
        out[o] = Math.min(255, r * shade * 255) * alpha + out[o] * (1 - alpha);
        out[o + 1] = Math.min(255, g * shade * 255) * alpha + out[o + 1] * (1 - alpha);
        out[o + 2] = Math.min(255, b * shade * 255) * alpha + out[o + 2] * (1 - alpha);
        if (!tri.blend) zbuf[zi] = iz;
      }
    }
  };
  for (const t of tris) draw(t, 'opaque');
  for (const t of tris) draw(t, 'blend');
  return { width: W, height: H, data: out };
}

/** Lays images out in a grid with a caption under each, as one PNG (for looking at many characters). */
export async function contactSheet(images: { width: number; height: number; data: Uint8Array; caption?: string }[], cols: number): Promise<Buffer> {
  const cw = Math.max(...images.map((i) => i.width)), ch = Math.max(...images.map((i) => i.height)) + 16;
  const rows = Math.ceil(images.length / cols);
  const escape = (s: string): string => s.replace(/[<>&]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[c]!);
  const layers = await Promise.all(images.map(async (img, i) => {
    const x = (i % cols) * cw, y = Math.floor(i / cols) * ch;
    const tile = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 4 } }).png().toBuffer();
    const out: OverlayOptions[] = [{ input: tile, left: x, top: y }];
    if (img.caption) {
      const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${cw}" height="16"><text x="4" y="12" font-family="sans-serif" font-size="11" fill="#000">${escape(img.caption)}</text></svg>`;
      out.push({ input: Buffer.from(svg), left: x, top: y + ch - 16 });
    }
    return out;
  }));
  return sharp({ create: { width: cols * cw, height: rows * ch, channels: 4, background: { r: 255, g: 255, b: 255, alpha: 1 } } })
    .composite(layers.flat()).png().toBuffer();
}
