// The game's buildings and rooms as set pieces for rendered scenes: its landmark buildings (bank, gag
// shop, library, pet shop, clothing store, trolley station, Toon HQ, Cog buildings) and shop and house
// interiors, read with src/game's BAM reader and written as GLB once per run. Their fronts face +Z.
// Models whose walls the game builds from its street DNA (the plain TT_* buildings) and the L- and T-shaped
// rooms (their corners hide whoever stands there) are left out.
import type { AssetSource } from '../game/index.ts';
import { writeGlb } from '../game/gltf.ts';
import { poseModel } from '../game/model.ts';

export type PropRole = 'toon-street' | 'cog-street' | 'playground' | 'room';

/** Game paths of the set pieces, by where they stand. */
export const PROP_MODELS: Record<PropRole, readonly string[]> = {
  'toon-street': [
    'phase_4/models/modules/bank.bam', 'phase_4/models/modules/clothshopTT.bam', 'phase_4/models/modules/gagShop_TT.bam',
    'phase_4/models/modules/library.bam', 'phase_4/models/modules/PetShopExterior_TT.bam', 'phase_3.5/models/modules/hqTT.bam',
    'phase_4/models/modules/partyGate_TT.bam',
  ],
  'cog-street': [
    'phase_4/models/modules/suit_landmark_corp.bam', 'phase_4/models/modules/suit_landmark_legal.bam',
    'phase_4/models/modules/suit_landmark_money.bam', 'phase_4/models/modules/suit_landmark_sales.bam',
  ],
  playground: ['phase_4/models/modules/gazebo.bam', 'phase_4/models/modules/trolley_station_TT.bam', 'phase_4/models/modules/TT_pond.bam'],
  room: [
    'phase_3.5/models/modules/toon_interior.bam', 'phase_3.5/models/modules/toon_interior_2.bam',
    'phase_4/models/modules/gagShop_interior.bam', 'phase_4/models/modules/PetShopInterior.bam',
    'phase_3.5/models/modules/HQ_interior.bam',
  ],
};

export interface Prop {
  path: string;
  glb: Uint8Array;
  bounds: { min: [number, number, number]; max: [number, number, number] };
}

export class PropSource {
  private readonly built = new Map<string, Promise<Prop | null>>();

  constructor(private readonly assets: AssetSource) {}

  /** The set pieces of a role these assets have. */
  available(role: PropRole): string[] {
    return PROP_MODELS[role].filter((p) => this.assets.has(p));
  }

  /** A set piece as GLB (null when it cannot be read: it is then left out of scenes). */
  get(gamePath: string): Promise<Prop | null> {
    let p = this.built.get(gamePath);
    if (!p) {
      p = (async () => {
        try {
          const posed = await poseModel(this.assets, gamePath);
          const { glb, bounds } = await writeGlb(this.assets, posed.parts, { name: gamePath });
          return { path: gamePath, glb, bounds };
        } catch {
          return null;
        }
      })();
      this.built.set(gamePath, p);
    }
    return p;
  }
}
