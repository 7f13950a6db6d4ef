// How BING's object metadata and sha256 are kept in S3 user metadata, whose keys are
// case-insensitive ASCII: the caller's metadata goes as one JSON value.
const metadataHeader = 'bing-metadata';
const sha256Header = 'sha256';

export function contentType(metadata: Record<string, string>): string | undefined {
  return metadata['content-type'] || metadata.contentType || undefined;
}

/** S3 user metadata for BING's metadata and sha256, as put writes them and head reads them back. */
export function encodeMetadata(metadata: Record<string, string>, sha256?: string): Record<string, string> {
  const encoded: Record<string, string> = {};
  if (Object.keys(metadata).length > 0) encoded[metadataHeader] = encodeURIComponent(JSON.stringify(metadata));
  if (sha256) encoded[sha256Header] = sha256;
  return encoded;
}

/** Reads BING's encoding back; objects written by other tools keep their own metadata as it is. */
export function decodeMetadata(raw: Record<string, string>): { sha256?: string; metadata: Record<string, string> } {
  const { [metadataHeader]: encoded, [sha256Header]: sha256, ...others } = raw;
  let metadata = others;
  if (encoded) {
    try {
      metadata = JSON.parse(decodeURIComponent(encoded)) as Record<string, string>;
    } catch {
      // not ours after all: keep it as it is
      metadata = raw;
    }
  }
  return { sha256: sha256 && /^[0-9a-f]{64}$/.test(sha256) ? sha256 : undefined, metadata };
}
