// Finds the game's files by their game path (`phase_3/models/char/bear-heads-1000.bam`) in extracted asset
// folders and/or the `phase_*.mf` Multifiles of an installation, and loads them: BAM models (cached) and
// textures as RGBA images (a .jpg/.png through sharp, its `_a.rgb` SGI alpha map beside, or an .rgb).
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { readBam, type BamFile } from './bam.ts';
import { decodeSgi } from './sgi.ts';
import { Multifile } from './multifile.ts';
import { RunError } from '../errors.ts';

export interface RgbaImage { width: number; height: number; data: Uint8Array; hasAlpha: boolean }

type Entry = { kind: 'file'; abs: string } | { kind: 'mf'; mf: Multifile; name: string };

/** The game's files found in one or more folders or installations; first given wins on a clash. */
export class AssetSource {
  private readonly bams = new Map<string, Promise<BamFile>>();
  private readonly images = new Map<string, Promise<RgbaImage>>();

  constructor(readonly roots: string[], private readonly entries: Map<string, Entry>, private readonly multifiles: Multifile[]) {}

  /** Game paths of every file found (forward slashes, e.g. phase_3/maps/eyes.jpg). */
  list(prefix = ''): string[] {
    return [...this.entries.keys()].filter((k) => k.startsWith(prefix)).sort();
  }

  has(gamePath: string): boolean {
    return this.entries.has(normalise(gamePath));
  }

  /** The first of the given game paths that exists, or undefined. */
  find(...gamePaths: string[]): string | undefined {
    return gamePaths.map(normalise).find((p) => this.entries.has(p));
  }

  /** Where a game path is read from (a file, or a subfile of a Multifile), for messages. */
  describe(gamePath: string): string {
    const e = this.entries.get(normalise(gamePath));
    if (!e) return gamePath;
    return e.kind === 'file' ? e.abs : `${e.mf.file}:${e.name}`;
  }

  async read(gamePath: string): Promise<Uint8Array> {
    const key = normalise(gamePath);
    const e = this.entries.get(key);
    if (!e) throw new Error(`game file ${key} not found in ${this.roots.join(', ')}`);
    return e.kind === 'file' ? readFile(e.abs) : e.mf.read(e.name);
  }

  /** A BAM model by game path (".bam" may be left out), read once. */
  bam(gamePath: string): Promise<BamFile> {
    let key = normalise(gamePath);
    if (!this.entries.has(key) && this.entries.has(`${key}.bam`)) key = `${key}.bam`;
    let p = this.bams.get(key);
    if (!p) {
      p = this.read(key).then((buf) => { const b = readBam(buf, this.describe(key)); b.gamePath = key; return b; });
      this.bams.set(key, p);
      p.catch(() => this.bams.delete(key));
    }
    return p;
  }

  /**
   * A texture as RGBA: `file` as the model names it (resolved from the asset root, then beside the model
   * that names it, trying .jpg/.png/.rgb), with its alpha map when it has one (or `<name>_a.rgb` beside).
   */
  texture(file: string, alphaFile = '', nearModel = ''): Promise<RgbaImage> {
    const colour = this.resolveImage(file, nearModel);
    if (!colour) return Promise.reject(new Error(`texture ${file} not found in ${this.roots.join(', ')}`));
    const alpha = alphaFile ? this.resolveImage(alphaFile, nearModel) : this.find(colour.replace(/\.[^./]+$/, '_a.rgb'));
    const key = `${colour}|${alpha ?? ''}`;
    let p = this.images.get(key);
    if (!p) {
      p = this.loadRgba(colour, alpha);
      this.images.set(key, p);
      p.catch(() => this.images.delete(key));
    }
    return p;
  }

  /** The game path of an image, trying the asset root, then the model's folder, and other extensions. */
  resolveImage(file: string, nearModel = ''): string | undefined {
    const f = normalise(file);
    const stems = [f];
    if (nearModel) stems.push(normalise(path.posix.join(path.posix.dirname(normalise(nearModel)), f)));
    const candidates: string[] = [];
    for (const s of stems) {
      candidates.push(s);
      const base = s.replace(/\.[^./]+$/, '');
      for (const ext of ['.jpg', '.png', '.rgb']) candidates.push(base + ext);
    }
    return this.find(...candidates);
  }

  private async decodeImage(gamePath: string): Promise<{ width: number; height: number; channels: number; data: Uint8Array }> {
    const buf = await this.read(gamePath);
    if (gamePath.endsWith('.rgb')) return decodeSgi(buf, this.describe(gamePath));
    const { data, info } = await sharp(buf).raw().toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, channels: info.channels, data };
  }

  private async loadRgba(colourPath: string, alphaPath: string | undefined): Promise<RgbaImage> {
    const c = await this.decodeImage(colourPath);
    const out = new Uint8Array(c.width * c.height * 4);
    for (let i = 0, n = c.width * c.height; i < n; i++) {
      const s = i * c.channels;
      const g = c.data[s];
      out[i * 4] = g;
      out[i * 4 + 1] = c.channels >= 3 ? c.data[s + 1] : g;
      out[i * 4 + 2] = c.channels >= 3 ? c.data[s + 2] : g;
      out[i * 4 + 3] = c.channels === 4 ? c.data[s + 3] : c.channels === 2 ? c.data[s + 1] : 255;
    }
    let hasAlpha = c.channels === 2 || c.channels === 4;
    if (alphaPath) {
      const a = await this.decodeImage(alphaPath);
      // The alpha map's first channel (its alpha channel if it has one) becomes the texture's alpha.
      const ch = a.channels === 2 ? 1 : a.channels === 4 ? 3 : 0;
      let plane = new Uint8Array(a.width * a.height);
      for (let i = 0; i < plane.length; i++) plane[i] = a.data[i * a.channels + ch];
      if (a.width !== c.width || a.height !== c.height) {
        plane = new Uint8Array(await sharp(plane, { raw: { width: a.width, height: a.height, channels: 1 } })
          .resize(c.width, c.height, { fit: 'fill' }).raw().toBuffer());
      }
      for (let i = 0; i < plane.length; i++) out[i * 4 + 3] = plane[i];
      hasAlpha = true;
    }
    return { width: c.width, height: c.height, data: out, hasAlpha };
  }

  async close(): Promise<void> {
    await Promise.all(this.multifiles.map((m) => m.close()));
  }
}

function normalise(p: string): string {
  return path.posix.normalize(p.replace(/\\/g, '/')).replace(/^\.\//, '').replace(/^\//, '');
}

async function walk(dir: string, rel: string, out: Map<string, Entry>): Promise<void> {
  for (const d of await readdir(dir, { withFileTypes: true })) {
    const abs = path.join(dir, d.name);
    const key = rel ? `${rel}/${d.name}` : d.name;
    if (d.isDirectory()) await walk(abs, key, out);
    else if (!out.has(key)) out.set(key, { kind: 'file', abs });
  }
}

/**
 * Opens the game's files from folders (extracted assets holding `phase_*` folders, or an installation
 * holding `phase_*.mf` Multifiles) and/or single .mf files. The first path wins when two hold a file.
 */
export async function openAssets(paths: string[]): Promise<AssetSource> {
  if (!paths.length) throw new RunError('no asset folder given', 'game-assets');
  const entries = new Map<string, Entry>();
  const multifiles: Multifile[] = [];
  const addMultifile = async (file: string): Promise<void> => {
    const mf = await Multifile.open(file);
    multifiles.push(mf);
    for (const name of mf.list()) {
      const key = normalise(name);
      if (!entries.has(key)) entries.set(key, { kind: 'mf', mf, name });
    }
  };
  for (const p of paths) {
    const st = await stat(p).catch(() => null);
    if (!st) throw new RunError(`asset folder ${p} not found`, 'game-assets');
    if (st.isFile()) {
      if (!p.endsWith('.mf')) throw new RunError(`${p}: expected a folder or a phase_*.mf Multifile`, 'game-assets');
      await addMultifile(p);
      continue;
    }
    const dirents = (await readdir(p, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
    const mfs = dirents.filter((d) => d.isFile() && /^phase_.*\.mf$/i.test(d.name)).map((d) => d.name);
    const phases = dirents.filter((d) => d.isDirectory() && /^phase_/i.test(d.name)).map((d) => d.name);
    if (!mfs.length && !phases.length) throw new RunError(`${p}: holds no phase_* folders and no phase_*.mf Multifiles of the game`, 'game-assets');
    // Loose files first (a folder's own extracted files override its Multifiles, as the game's do).
    const loose = new Map<string, Entry>();
    for (const d of phases) await walk(path.join(p, d), d, loose);
    for (const [k, v] of loose) if (!entries.has(k)) entries.set(k, v);
    for (const n of mfs) await addMultifile(path.join(p, n));
  }
  return new AssetSource(paths, entries, multifiles);
}
