// A multipart/form-data upload: the fields before the `file` part, then the file as a stream that
// busboy backpressures, so the video is never held in memory.
import type { Readable } from 'node:stream';
import busboy from 'busboy';
import type { Request } from 'express';
import { HttpProblem } from '../problem';

export interface FormFile {
  /** The fields that came before the file. */
  fields: Record<string, string>;
  file: Readable;
  fileName?: string;
  mimeType: string;
  /** Resolves when the rest of the form is read: a fault message, or undefined when there is none. */
  rest: Promise<string | undefined>;
}

export const fileField = 'file';

/** Resolves when the `file` part starts; a form that ends without one is refused with 400. */
export function formFile(req: Request): Promise<FormFile> {
  let parser: busboy.Busboy;
  try {
    parser = busboy({ headers: req.headers, limits: { fields: 20, fieldSize: 4096, files: 1, parts: 32 } });
  } catch (err) {
    return Promise.reject(new HttpProblem(400, 'Invalid form', (err as Error).message));
  }
  const fields: Record<string, string> = {};
  let fault: string | undefined;
  let found = false;
  const note = (message: string) => (fault ??= message);
  const rest = new Promise<string | undefined>((resolve) => {
    parser.on('close', () => resolve(fault));
    parser.on('error', (err: Error) => resolve(note(err.message)));
  });
  const started = new Promise<FormFile>((resolve, reject) => {
    parser.on('field', (name, value) => {
      if (found) note(`the field "${name}" comes after the file; send the fields first`);
      else fields[name] = value;
    });
    parser.on('file', (name, file, info) => {
      if (found || name !== fileField) {
        note(found ? 'only one file may be sent' : `unexpected file field "${name}"; send the video as "${fileField}"`);
        file.resume();
        return;
      }
      found = true;
      resolve({ fields, file, fileName: info.filename || undefined, mimeType: info.mimeType, rest });
    });
    parser.on('filesLimit', () => note('only one file may be sent'));
    parser.on('fieldsLimit', () => note('too many fields'));
    parser.on('partsLimit', () => note('too many parts'));
    void rest.then((message) => {
      if (!found) reject(new HttpProblem(400, 'Invalid form', message ?? `the form has no "${fileField}" field`));
    });
  });
  // A request cut before its end (the client gone, an idle timeout) ends the form and its file with the error.
  req.once('close', () => {
    if (!req.complete) parser.destroy(req.errored ?? new Error('the request body ended early'));
  });
  req.pipe(parser);
  return started;
}
