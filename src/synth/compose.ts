// Composites placed sprites (far to near) over a background and measures each entity's visible box.
import type { Box, RgbImage } from '../image.ts';
import type { EntitySprite } from './entity.ts';
import { boxArea } from './entity.ts';
import { blit, ownedBox, shadowBlit, type RgbaImage } from './raster.ts';

export interface SceneObject {
  /** taxonomy label: cog_<suit>_<name> or toon_<animal> */
  label: string;
  /** the visible entity as drawn, end exclusive, inside the image; never the nametag */
  box: Box;
  /** VOC pose: Frontal, Rear, Left, Right */
  pose: string;
  /** 1 when the entity is cut by the image border */
  truncated: number;
  /** where its nametag was drawn (may reach outside the image; clear of every box in still scenes) */
  nametag?: Box;
}

export interface Placed {
  label: string;
  pose: string;
  sprite: EntitySprite;
  /** top-left of the sprite in the image */
  x: number;
  y: number;
  tag?: RgbaImage;
  tagX?: number;
  tagY?: number;
  shadow?: RgbaImage;
  shadowX?: number;
  shadowY?: number;
}

/** The entity's full box in image pixels (may reach outside the image). */
export function placedBox(p: Placed): Box {
  const b = p.sprite.box;
  return { xmin: b.xmin + p.x, ymin: b.ymin + p.y, xmax: b.xmax + p.x, ymax: b.ymax + p.y };
}

/** Depth order: feet further up the screen are further away. */
export function byDepth(a: Placed, b: Placed): number {
  return a.y + a.sprite.footY - (b.y + b.sprite.footY);
}

/**
 * Draws `placed` (already sorted far to near) over a copy of `background`, nametags last, and returns
 * the objects whose visible part is at least `minVisible` of their full box. `out` (background-sized)
 * is drawn into instead of a new buffer.
 */
export function compose(background: Uint8Array, width: number, height: number, placed: readonly Placed[], owner: Int16Array, minVisible = 0.25, out?: Uint8Array): { image: RgbImage; objects: SceneObject[] } {
  let data: Uint8Array;
  if (out) {
    out.set(background);
    data = out;
  } else {
    data = background.slice(); // memcpy; new Uint8Array(background) copies element by element, 6x slower
  }
  const image: RgbImage = { data, width, height };
  owner.fill(-1);
  placed.forEach((p, i) => {
    if (p.shadow) shadowBlit(image, p.shadow, p.shadowX ?? 0, p.shadowY ?? 0, 0.35);
    blit(image, p.sprite, p.x, p.y, owner, i);
  });
  for (const p of placed) if (p.tag) blit(image, p.tag, p.tagX ?? 0, p.tagY ?? 0, owner, -1);
  const objects: SceneObject[] = [];
  placed.forEach((p, i) => {
    const full = placedBox(p);
    const box = ownedBox(owner, width, height, i, full);
    if (!box || boxArea(box) < minVisible * boxArea(full)) return;
    const truncated = full.xmin < 0 || full.ymin < 0 || full.xmax > width || full.ymax > height ? 1 : 0;
    const o: SceneObject = { label: p.label, box, pose: p.pose, truncated };
    if (p.tag) o.nametag = { xmin: p.tagX ?? 0, ymin: p.tagY ?? 0, xmax: (p.tagX ?? 0) + p.tag.width, ymax: (p.tagY ?? 0) + p.tag.height };
    objects.push(o);
  });
  return { image, objects };
}
