// The player's own Toon in a frame, for F9 captures: the companion API gives its species, and the
// game's camera follows it from behind, so in the usual third-person view it stands at the middle of
// the window, low, and bigger than Toons further away. A Toon detection is taken for the player's own
// only when it alone sits there and its animal (if the classifier gave one) does not contradict the
// species; then its capture label becomes toon_<species>. First-person views, the camera turned away,
// battles (the camera moves around) and several Toons at the middle give no pick.
import { ANIMALS, type Animal } from '../taxonomy.ts';

/** Where the followed Toon stands, as fractions of the frame. */
export const OWN_TOON_ZONE = {
  /** its box centre at most this far from the middle, across */
  maxCentreOffset: 0.12,
  /** its feet (box bottom) at least this far down */
  minBottom: 0.62,
  /** its height at least this much of the frame's */
  minHeight: 0.14,
} as const;

export interface ToonBox {
  label: string;
  bbox: readonly number[];
  animal?: string;
}

/** The species of the API's toon.species ("Dog", "dog") as a taxonomy animal, or undefined. */
export function speciesAnimal(species: string | undefined): Animal | undefined {
  const s = String(species ?? '').trim().toLowerCase();
  return (ANIMALS as readonly string[]).includes(s) ? (s as Animal) : undefined;
}

/**
 * The index of the detection that is the player's own Toon, or -1 with the reason there is none.
 * `width` x `height` is the frame's size (bbox in its pixels, [x, y, w, h]).
 */
export function findOwnToon(detections: readonly ToonBox[], width: number, height: number, species: string | undefined): { index: number; reason: string } {
  const animal = speciesAnimal(species);
  if (!animal) return { index: -1, reason: `species '${species ?? ''}' is not one of the 11 animals` };
  const z = OWN_TOON_ZONE;
  const inZone: number[] = [];
  detections.forEach((d, i) => {
    if (d.label !== 'toon' || d.bbox.length !== 4) return;
    const [x, y, w, h] = d.bbox;
    const cx = (x + w / 2) / width;
    if (Math.abs(cx - 0.5) <= z.maxCentreOffset && (y + h) / height >= z.minBottom && h / height >= z.minHeight) inZone.push(i);
  });
  if (inZone.length === 0) return { index: -1, reason: 'no Toon stands where the camera follows the player' };
  if (inZone.length > 1) return { index: -1, reason: `${inZone.length} Toons stand where the camera follows the player` };
  const i = inZone[0];
  const seen = detections[i].animal;
  if (seen && seen !== animal) return { index: -1, reason: `the Toon at the middle looks like a ${seen}, the player's is a ${animal}` };
  return { index: i, reason: `the one Toon at the middle, low in the frame${seen ? `, a ${seen} as the classifier says` : ''}` };
}

/**
 * The detections with the player's own Toon (if one can be told apart) labelled with the API's
 * species, for a capture's VOC file; `picked` says which and why.
 */
export function labelOwnToon<T extends ToonBox>(detections: readonly T[], width: number, height: number, species: string | undefined): { detections: T[]; picked: number; reason: string } {
  const { index, reason } = findOwnToon(detections, width, height, species);
  const animal = speciesAnimal(species);
  const out = detections.map((d, i) => (i === index && animal ? { ...d, animal } : d));
  return { detections: out, picked: index, reason };
}
