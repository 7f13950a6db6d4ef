// Decodes base64 text that arrives in pieces, refusing anything that is not base64 (the decoder in
// Buffer would skip it silently). Pieces are gathered into batches so that a video arriving in
// 256-character pieces is decoded and written in a few thousand writes, not half a million.
import { HttpProblem } from '../problem';

const batchChars = 256 * 1024;
const alphabet = /[^A-Za-z0-9+/]/;

const invalid = (detail: string) => new HttpProblem(400, 'Invalid base64', `file is not base64: ${detail}`);

export class Base64Decoder {
  private pieces: string[] = [];
  private gathered = 0;
  /** Characters seen so far, for the position in an error. */
  private seen = 0;
  /** The characters after the last whole group of four, carried to the next batch. */
  private carry = '';
  private padding = 0;

  /** Takes the next piece; returns the bytes decoded so far once a batch is full. */
  push(text: string): Buffer | undefined {
    this.pieces.push(text);
    this.gathered += text.length;
    return this.gathered >= batchChars ? this.decode() : undefined;
  }

  /** The last bytes; throws when the text was cut short. */
  end(): Buffer {
    const last = this.decode();
    if (this.carry.length !== 0 || this.padding > 2) throw invalid('the base64 text is cut short');
    return last;
  }

  private decode(): Buffer {
    const text = this.pieces.join('');
    this.pieces = [];
    this.gathered = 0;
    const pad = this.padding > 0 ? 0 : text.indexOf('=');
    const data = pad < 0 ? text : text.slice(0, pad);
    const bad = alphabet.exec(data);
    if (bad) throw invalid(`invalid base64 at character ${this.seen + bad.index}`);
    if (pad >= 0) {
      const after = /[^=]/.exec(text.slice(pad));
      if (after) throw invalid(`invalid base64 at character ${this.seen + pad + after.index}`);
      this.padding += text.length - pad;
    }
    this.seen += text.length;
    const joined = this.carry + data;
    if (this.padding > 0) {
      // Padding closes the text: what is left is its last group.
      this.carry = (joined.length + this.padding) % 4 === 0 ? '' : joined;
      return this.carry === '' ? Buffer.from(joined, 'base64') : Buffer.alloc(0);
    }
    const whole = joined.length - (joined.length % 4);
    this.carry = joined.slice(whole);
    return Buffer.from(joined.slice(0, whole), 'base64');
  }
}
