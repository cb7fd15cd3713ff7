// The game's third-person camera for planning scenes: a pinhole at `position` pitched down by `pitch`,
// looking along +Z, as three.js's PerspectiveCamera will draw it (vertical field of view `fov`).
// Projects points to pixels and finds how far away a character of a given height must stand to fill a
// given share of the frame.
import type { Vec3 } from './plan.ts';

export interface GameCamera {
  /** vertical field of view, degrees */
  fov: number;
  /** aspect ratio, width / height */
  aspect: number;
  position: Vec3;
  /** radians, positive looks down */
  pitch: number;
}

/** Normalised device coordinates [x, y] (-1..1, y up) and the depth along the view axis. */
export function toNdc(cam: GameCamera, p: Vec3): { x: number; y: number; depth: number } {
  const dx = p[0] - cam.position[0];
  const dy = p[1] - cam.position[1];
  const dz = p[2] - cam.position[2];
  const s = Math.sin(cam.pitch);
  const c = Math.cos(cam.pitch);
  const depth = dz * c - dy * s;
  const up = dy * c + dz * s;
  const t = Math.tan((cam.fov * Math.PI) / 360);
  return { x: dx / (depth * t * cam.aspect), y: up / (depth * t), depth };
}

/** The point the camera looks at (10 feet ahead along its axis). */
export function lookTarget(cam: GameCamera): Vec3 {
  return [cam.position[0], cam.position[1] - 10 * Math.sin(cam.pitch), cam.position[2] + 10 * Math.cos(cam.pitch)];
}

/** Share of the frame's height a character of `height` standing at (x, 0, z) covers (head to feet). */
export function heightShare(cam: GameCamera, x: number, z: number, height: number): number {
  const top = toNdc(cam, [x, height, z]);
  const feet = toNdc(cam, [x, 0, z]);
  if (top.depth <= 0 || feet.depth <= 0) return Infinity;
  return (top.y - feet.y) / 2;
}

/** The ground distance z (on the camera's axis line x = ux * half-width at that depth) at which a character of `height` covers `share` of the frame height. */
export function depthForShare(cam: GameCamera, height: number, share: number, ux = 0): { x: number; z: number } {
  const t = Math.tan((cam.fov * Math.PI) / 360) * cam.aspect;
  const at = (z: number) => {
    const x = ux * t * Math.max(z - cam.position[2], 0.5);
    return { x, z, s: heightShare(cam, x, z, height) };
  };
  let lo = cam.position[2] + 1;
  let hi = cam.position[2] + 2000;
  for (let i = 0; i < 50; i++) {
    const mid = (lo + hi) / 2;
    if (at(mid).s > share) lo = mid;
    else hi = mid;
  }
  const r = at((lo + hi) / 2);
  return { x: r.x, z: r.z };
}
