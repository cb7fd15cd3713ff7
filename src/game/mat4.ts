// 4x4 matrices in Panda3D's convention (row-major, row vectors: p' = p * M, translation in row 3), and
// the game's way of composing a joint's scale, shear, heading/pitch/roll and position (Z-up, right-handed).
import type { Mat4 } from './bam.ts';

export function identity(): Mat4 {
  const m = new Float64Array(16);
  m[0] = m[5] = m[10] = m[15] = 1;
  return m;
}

/** a then b: (p * a) * b. */
export function multiply(a: Mat4, b: Mat4): Mat4 {
  const out = new Float64Array(16);
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 4; j++) {
      out[i * 4 + j] = a[i * 4] * b[j] + a[i * 4 + 1] * b[4 + j] + a[i * 4 + 2] * b[8 + j] + a[i * 4 + 3] * b[12 + j];
    }
  }
  return out;
}

export function transformPoint(m: Mat4, x: number, y: number, z: number, out: number[] | Float32Array, o = 0): void {
  out[o] = x * m[0] + y * m[4] + z * m[8] + m[12];
  out[o + 1] = x * m[1] + y * m[5] + z * m[9] + m[13];
  out[o + 2] = x * m[2] + y * m[6] + z * m[10] + m[14];
}

export function transformVector(m: Mat4, x: number, y: number, z: number, out: number[] | Float32Array, o = 0): void {
  out[o] = x * m[0] + y * m[4] + z * m[8];
  out[o + 1] = x * m[1] + y * m[5] + z * m[9];
  out[o + 2] = x * m[2] + y * m[6] + z * m[10];
}

/** Rotation by `deg` degrees about a unit axis, for row vectors (LMatrix3::set_rotate_mat_normaxis). */
function rotation(deg: number, ax: number, ay: number, az: number): Mat4 {
  const r = (deg * Math.PI) / 180;
  const s = Math.sin(r), c = Math.cos(r), t = 1 - c;
  const m = identity();
  m[0] = t * ax * ax + c; m[1] = t * ax * ay + s * az; m[2] = t * ax * az - s * ay;
  m[4] = t * ay * ax - s * az; m[5] = t * ay * ay + c; m[6] = t * ay * az + s * ax;
  m[8] = t * az * ax + s * ay; m[9] = t * az * ay - s * ax; m[10] = t * az * az + c;
  return m;
}

/**
 * The game's compose_matrix (Z-up right-handed): scale and shear, then roll about +Y, pitch about +X,
 * heading about +Z, then the translation.
 */
export function compose(scale: ArrayLike<number>, shear: ArrayLike<number>, hpr: ArrayLike<number>, pos: ArrayLike<number>): Mat4 {
  let m = identity();
  m[0] = scale[0]; m[1] = shear[0] * scale[0]; m[2] = 0;
  m[4] = 0; m[5] = scale[1]; m[6] = 0;
  m[8] = shear[1] * scale[2]; m[9] = shear[2] * scale[2]; m[10] = scale[2];
  if (Math.abs(hpr[2]) > 1e-9) m = multiply(m, rotation(hpr[2], 0, 1, 0));
  if (Math.abs(hpr[1]) > 1e-9) m = multiply(m, rotation(hpr[1], 1, 0, 0));
  if (Math.abs(hpr[0]) > 1e-9) m = multiply(m, rotation(hpr[0], 0, 0, 1));
  m[12] = pos[0]; m[13] = pos[1]; m[14] = pos[2];
  return m;
}

/** A rotation matrix from a quaternion (r, i, j, k), for row vectors (LQuaternion::extract_to_matrix). */
export function fromQuat(q: ArrayLike<number>): Mat4 {
  const [r, i, j, k] = [q[0], q[1], q[2], q[3]];
  const m = identity();
  m[0] = 1 - 2 * (j * j + k * k); m[1] = 2 * (i * j + r * k); m[2] = 2 * (i * k - r * j);
  m[4] = 2 * (i * j - r * k); m[5] = 1 - 2 * (i * i + k * k); m[6] = 2 * (j * k + r * i);
  m[8] = 2 * (i * k + r * j); m[9] = 2 * (j * k - r * i); m[10] = 1 - 2 * (i * i + j * j);
  return m;
}

export function scaling(s: number): Mat4 {
  const m = identity();
  m[0] = m[5] = m[10] = s;
  return m;
}

export function translation(x: number, y: number, z: number): Mat4 {
  const m = identity();
  m[12] = x; m[13] = y; m[14] = z;
  return m;
}
