// Reads Panda3D Multifiles (`phase_*.mf`), the archives in which a player's installation keeps the game's
// models and textures: lists the subfiles and extracts them (zlib-compressed ones too). Written by hand:
// no npm library reads the format. Learnt from its public description (Panda3D's multifile.cxx):
//   header  "pmf\0\n\r", int16 major (1), int16 minor, uint32 scale factor, [uint32 timestamp if minor >= 1]
//   index   a chain of entries: uint32 next entry (0 ends), uint32 data start, uint32 data length,
//           uint16 flags, [uint32 original length if compressed or encrypted], [uint32 timestamp if
//           minor >= 1], uint16 name length, name bytes each XORed with 0xff
// Addresses are multiplied by the scale factor. Lines starting with '#' may precede the header.
import { open, type FileHandle } from 'node:fs/promises';
import { inflateSync } from 'node:zlib';

export const MULTIFILE_MAGIC = 'pmf\0\n\r';
export const SF_DELETED = 0x0001;
export const SF_INDEX_INVALID = 0x0002;
export const SF_COMPRESSED = 0x0008;
export const SF_ENCRYPTED = 0x0010;
export const SF_SIGNATURE = 0x0020;

export interface Subfile {
  name: string;
  start: number;
  length: number;
  /** length once decompressed (= length when stored plainly) */
  originalLength: number;
  flags: number;
  compressed: boolean;
  encrypted: boolean;
}

/** An open Multifile: its subfiles by name, read on demand from the file. */
export class Multifile {
  private constructor(
    readonly file: string,
    private readonly handle: FileHandle,
    readonly subfiles: Map<string, Subfile>,
    readonly version: { major: number; minor: number },
  ) {}

  static async open(file: string): Promise<Multifile> {
    const fh = await open(file, 'r');
    try {
      const size = (await fh.stat()).size;
      const read = async (pos: number, n: number): Promise<Buffer> => {
        const b = Buffer.alloc(n);
        const { bytesRead } = await fh.read(b, 0, n, pos);
        if (bytesRead < n) throw new Error(`${file}: is truncated (wanted ${n} bytes at byte ${pos}, the file has ${size})`);
        return b;
      };
      // Skip '#' comment lines before the header (a Multifile may begin with a shell line).
      let pos = 0;
      let first = await read(0, Math.min(size, 4096));
      while (first[pos] === 0x23) {
        while (pos < first.length && first[pos] !== 0x0a) pos++;
        while (pos < first.length && (first[pos] === 0x0a || first[pos] === 0x0d || first[pos] === 0x20 || first[pos] === 0x09)) pos++;
        if (pos >= first.length) break;
      }
      if (size < pos + 18) throw new Error(`${file}: is not a Multifile (too short)`);
      first = await read(pos, 18);
      if (first.subarray(0, 6).toString('latin1') !== MULTIFILE_MAGIC) throw new Error(`${file}: is not a Multifile (no "pmf" header)`);
      const major = first.readInt16LE(6);
      const minor = first.readInt16LE(8);
      if (major !== 1 || minor > 1) throw new Error(`${file}: is Multifile version ${major}.${minor}; this reader reads 1.0 and 1.1`);
      const scale = first.readUInt32LE(10) || 1;
      const base = pos;
      let next = 6 + 2 + 2 + 4 + (minor >= 1 ? 4 : 0);
      next = Math.ceil(next / scale) * scale;
      const subfiles = new Map<string, Subfile>();
      let guard = 0;
      while (next !== 0) {
        if (++guard > 1_000_000) throw new Error(`${file}: its index does not end`);
        const head = await read(base + next, 4);
        const nextIndex = head.readUInt32LE(0) * scale;
        if (nextIndex === 0) break;
        const fixed = await read(base + next + 4, 4 + 4 + 2);
        const start = fixed.readUInt32LE(0) * scale;
        const length = fixed.readUInt32LE(4);
        const flags = fixed.readUInt16LE(8);
        let p = base + next + 14;
        let originalLength = length;
        if (flags & (SF_COMPRESSED | SF_ENCRYPTED)) { originalLength = (await read(p, 4)).readUInt32LE(0); p += 4; }
        if (minor >= 1) p += 4; // timestamp
        const nameLength = (await read(p, 2)).readUInt16LE(0);
        const nameBytes = await read(p + 2, nameLength);
        for (let i = 0; i < nameBytes.length; i++) nameBytes[i] ^= 0xff;
        const name = nameBytes.toString('utf8');
        if (!(flags & (SF_DELETED | SF_INDEX_INVALID | SF_SIGNATURE))) {
          if (start + length > size) throw new Error(`${file}: subfile ${name} runs past the end of the file`);
          subfiles.set(name, {
            name, start: base + start, length, originalLength, flags,
            compressed: (flags & SF_COMPRESSED) !== 0, encrypted: (flags & SF_ENCRYPTED) !== 0,
          });
        }
        if (nextIndex <= next) throw new Error(`${file}: its index loops back at byte ${next}`);
        next = nextIndex;
      }
      return new Multifile(file, fh, subfiles, { major, minor });
    } catch (e) {
      await fh.close();
      throw e;
    }
  }

  /** The names of the subfiles, in index order. */
  list(): string[] {
    return [...this.subfiles.keys()];
  }

  /** The bytes of one subfile, decompressed; one clear error for a missing or encrypted one. */
  async read(name: string): Promise<Uint8Array> {
    const sf = this.subfiles.get(name);
    if (!sf) throw new Error(`${this.file}: holds no subfile ${name}`);
    if (sf.encrypted) throw new Error(`${this.file}: subfile ${name} is encrypted, which this reader does not read (extract it with the game's own tools)`);
    const b = Buffer.alloc(sf.length);
    const { bytesRead } = await this.handle.read(b, 0, sf.length, sf.start);
    if (bytesRead < sf.length) throw new Error(`${this.file}: subfile ${name} is truncated`);
    if (!sf.compressed) return b;
    try {
      return inflateSync(b);
    } catch (e) {
      throw new Error(`${this.file}: subfile ${name} cannot be decompressed: ${(e as Error).message}`);
    }
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}
