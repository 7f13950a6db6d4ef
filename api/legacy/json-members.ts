// Finds the top-level members of a JSON object in a buffer without parsing it whole: each value is
// returned as its byte range, so a huge string member can be read in slices, never copied at once.

export interface MemberRange {
  start: number;
  end: number;
}

export class JsonShapeError extends Error {}

const isSpace = (b: number | undefined) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

function skipSpace(body: Buffer, i: number): number {
  while (isSpace(body[i])) i++;
  return i;
}

/** The index just past the string starting at body[i] (a '"'). */
function stringEnd(body: Buffer, i: number): number {
  for (let j = i + 1; j < body.length; j++) {
    if (body[j] === 0x5c) j++;
    else if (body[j] === 0x22) return j + 1;
  }
  throw new JsonShapeError('a string is not closed');
}

/** The index just past the JSON value starting at body[i]. */
function valueEnd(body: Buffer, i: number): number {
  if (body[i] === 0x22) return stringEnd(body, i);
  let depth = 0;
  for (let j = i; j < body.length; j++) {
    const b = body[j];
    if (b === 0x22) j = stringEnd(body, j) - 1;
    else if (b === 0x7b || b === 0x5b) depth++;
    else if (b === 0x7d || b === 0x5d) {
      if (depth === 0) return j;
      if (--depth === 0) return j + 1;
    } else if (depth === 0 && (b === 0x2c || isSpace(b))) return j;
  }
  if (depth > 0) throw new JsonShapeError('an object or array is not closed');
  return body.length;
}

export function topLevelMembers(body: Buffer): Map<string, MemberRange> {
  const members = new Map<string, MemberRange>();
  let i = skipSpace(body, 0);
  if (body[i] !== 0x7b) throw new JsonShapeError('the body is not a JSON object');
  i = skipSpace(body, i + 1);
  if (body[i] === 0x7d) return members;
  for (;;) {
    if (body[i] !== 0x22) throw new JsonShapeError('expected a member name');
    const keyEnd = stringEnd(body, i);
    const key = JSON.parse(body.toString('utf8', i, keyEnd)) as string;
    i = skipSpace(body, keyEnd);
    if (body[i] !== 0x3a) throw new JsonShapeError(`expected ':' after "${key}"`);
    const start = skipSpace(body, i + 1);
    const end = valueEnd(body, start);
    if (end === start) throw new JsonShapeError(`"${key}" has no value`);
    members.set(key, { start, end });
    i = skipSpace(body, end);
    if (body[i] === 0x7d) {
      if (skipSpace(body, i + 1) !== body.length) throw new JsonShapeError('text after the JSON object');
      return members;
    }
    if (body[i] !== 0x2c) throw new JsonShapeError(`expected ',' or '}' after "${key}"`);
    i = skipSpace(body, i + 1);
  }
}
