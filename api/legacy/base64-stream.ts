// Decodes base64 text that arrives in pieces, refusing anything that is not base64 (the decoder in
// Buffer would skip it silently). Each piece is decoded straight into an output buffer handed on
// once full, so a video arriving in 256-character pieces makes no copies of its text.
import { HttpProblem } from '../problem';

const outBytes = 64 * 1024;
const notBase64 = /[^A-Za-z0-9+/=]/;

const invalid = (detail: string) => new HttpProblem(400, 'Invalid base64', `file is not base64: ${detail}`);

export class Base64Decoder {
  private out = Buffer.allocUnsafe(outBytes);
  private filled = 0;
  /** Characters seen so far, for the position in an error. */
  private seen = 0;
  /** The characters after the last whole group of four, carried to the next piece. */
  private carry = '';
  private padding = 0;

  /** Takes the next piece; returns the bytes decoded so far when the output buffer is full. */
  push(piece: string): Buffer | undefined {
    this.check(piece);
    const text = this.carry === '' ? piece : this.carry + piece;
    const whole = text.length - (text.length % 4);
    this.carry = whole === text.length ? '' : text.slice(whole);
    if (whole === 0) return undefined;
    const full = this.filled + (whole / 4) * 3 > this.out.length ? this.take(Math.max(outBytes, (whole / 4) * 3)) : undefined;
    this.filled += this.out.write(whole === text.length ? text : text.slice(0, whole), this.filled, 'base64');
    return full;
  }

  /** The last bytes; throws when the text was cut short. */
  end(): Buffer {
    if (this.carry.length !== 0 || this.padding > 2) throw invalid('the base64 text is cut short');
    return this.take(0);
  }

  /** '=' only at the end, at most two of them (counted at the end, as they may come in two pieces). */
  private check(piece: string): void {
    const bad = notBase64.exec(piece);
    if (bad) throw invalid(`invalid base64 at character ${this.seen + bad.index}`);
    const pad = this.padding > 0 ? 0 : piece.indexOf('=');
    if (pad >= 0) {
      for (let i = pad; i < piece.length; i++) {
        if (piece[i] !== '=') throw invalid(`invalid base64 at character ${this.seen + i}`);
      }
      this.padding += piece.length - pad;
    }
    this.seen += piece.length;
  }

  /** The bytes decoded so far; decoding goes on into a new buffer of `size` bytes. */
  private take(size: number): Buffer {
    const done = this.out.subarray(0, this.filled);
    this.out = Buffer.allocUnsafe(size);
    this.filled = 0;
    return done;
  }
}
