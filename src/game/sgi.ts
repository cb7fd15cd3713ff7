// Decodes SGI images (.rgb, the format of the game's alpha maps `*_a.rgb` and of some of its textures).
// Written by hand because sharp/libvips do not read SGI; the format is small: a 512-byte big-endian
// header, then channel planes stored bottom row first, either verbatim or run-length encoded per row.

export interface SgiImage {
  width: number;
  height: number;
  /** 1 (grey), 2 (grey + alpha), 3 (RGB) or 4 (RGBA) */
  channels: number;
  /** width * height * channels bytes, interleaved, top row first (8 bits per channel). */
  data: Uint8Array;
}

export const SGI_MAGIC = 474;

/** Decodes an SGI image; `file` names it in errors. 16-bit channels are reduced to 8 bits. */
export function decodeSgi(buf: Uint8Array, file: string): SgiImage {
  const fail = (problem: string): never => { throw new Error(`${file}: ${problem}`); };
  if (buf.length < 512) fail(`is not an SGI image (${buf.length} bytes, shorter than its header)`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (view.getUint16(0) !== SGI_MAGIC) fail('is not an SGI image (bad magic number)');
  const rle = view.getUint8(2);
  const bpc = view.getUint8(3);
  const dimension = view.getUint16(4);
  const width = view.getUint16(6);
  const height = dimension >= 2 ? view.getUint16(8) : 1;
  const channels = dimension >= 3 ? view.getUint16(10) : 1;
  if (rle > 1) fail(`has an unknown storage format ${rle}`);
  if (bpc !== 1 && bpc !== 2) fail(`has ${bpc} bytes per channel (1 or 2 expected)`);
  if (channels < 1 || channels > 4) fail(`has ${channels} channels (1 to 4 expected)`);
  if (width === 0 || height === 0) fail('is empty');
  const data = new Uint8Array(width * height * channels);
  const sample = (off: number): number => {
    if (off + bpc > buf.length) fail('is truncated');
    return bpc === 1 ? buf[off] : buf[off]; // the high byte of a 16-bit sample
  };
  // Stores one decoded row (given as samples) of channel c at image row y (0 = bottom).
  const put = (c: number, y: number, x: number, v: number): void => {
    data[((height - 1 - y) * width + x) * channels + c] = v;
  };
  if (rle === 0) {
    let off = 512;
    for (let c = 0; c < channels; c++) {
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++, off += bpc) put(c, y, x, sample(off));
      }
    }
  } else {
    const tableLen = height * channels;
    if (512 + tableLen * 8 > buf.length) fail('is truncated (RLE tables)');
    for (let c = 0; c < channels; c++) {
      for (let y = 0; y < height; y++) {
        let off = view.getUint32(512 + (c * height + y) * 4);
        let x = 0;
        for (;;) {
          if (off + bpc > buf.length) fail(`is truncated (row ${y} of channel ${c})`);
          const count = (bpc === 1 ? buf[off] : view.getUint16(off)) & 0x7f;
          const literal = ((bpc === 1 ? buf[off] : view.getUint16(off)) & 0x80) !== 0;
          off += bpc;
          if (count === 0) break;
          if (x + count > width) fail(`has a run past the end of row ${y} of channel ${c}`);
          if (literal) {
            for (let i = 0; i < count; i++, off += bpc) put(c, y, x++, sample(off));
          } else {
            const v = sample(off);
            off += bpc;
            for (let i = 0; i < count; i++) put(c, y, x++, v);
          }
        }
      }
    }
  }
  return { width, height, channels, data };
}
