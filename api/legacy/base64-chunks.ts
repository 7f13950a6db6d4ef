// Decodes the base64 text of a JSON string member slice by slice, refusing anything that is not
// base64 (the decoder in Buffer would skip it silently).

const sliceChars = 4 * 1024 * 1024;

const isBase64Char = (b: number) =>
  (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) || b === 0x2b || b === 0x2f;

export class InvalidBase64 extends Error {}

/** `text` is the string's content between its quotes; JSON may escape '/' as '\/'. */
export function* decodeBase64(text: Buffer): Generator<Buffer> {
  let pending = Buffer.alloc(0);
  let padding = 0;
  for (let offset = 0; offset < text.length; offset += sliceChars) {
    const raw = text.subarray(offset, Math.min(text.length, offset + sliceChars));
    const clean = Buffer.alloc(raw.length);
    let n = 0;
    for (let i = 0; i < raw.length; i++) {
      const b = raw[i]!;
      if (b === 0x5c && raw[i + 1] === 0x2f) continue;
      if (b === 0x3d) padding++;
      else if (padding > 0 || !isBase64Char(b)) throw new InvalidBase64(`invalid base64 at character ${offset + i}`);
      clean[n++] = b;
    }
    const joined = Buffer.concat([pending, clean.subarray(0, n)]);
    const whole = joined.length - (joined.length % 4);
    if (whole > 0) yield Buffer.from(joined.toString('latin1', 0, whole), 'base64');
    pending = joined.subarray(whole);
  }
  if (pending.length !== 0 || padding > 2) throw new InvalidBase64('the base64 text is cut short');
}
