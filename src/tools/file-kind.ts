import { open } from 'node:fs/promises';
import { extname } from 'node:path';

/** Bytes read from the start of a file to tell text from binary, as git and ripgrep do (8 KiB). */
export const SNIFF_BYTES = 8192;

/** What a file holds, as far as the text tools care. */
export type FileKind =
  | { readonly kind: 'text' }
  | { readonly kind: 'image'; readonly format: string }
  | { readonly kind: 'binary'; readonly format?: string };

// By extension, because Read returns text: these are refused with a message naming the format,
// instead of a generic "binary" (SVG is text and readable, so it is not listed).
const IMAGE_FORMATS: Readonly<Record<string, string>> = {
  '.png': 'PNG', '.jpg': 'JPEG', '.jpeg': 'JPEG', '.gif': 'GIF', '.webp': 'WebP', '.bmp': 'BMP',
  '.ico': 'ICO', '.tif': 'TIFF', '.tiff': 'TIFF', '.avif': 'AVIF', '.heic': 'HEIC',
};
const BINARY_FORMATS: Readonly<Record<string, string>> = { '.pdf': 'PDF' };

/**
 * The kind of the file at `path` whose first bytes are `head`: an image by extension, a PDF by
 * extension, binary when `head` holds a NUL byte, text otherwise.
 */
export function detectFileKind(path: string, head: Uint8Array): FileKind {
  const extension = extname(path).toLowerCase();
  const imageFormat = IMAGE_FORMATS[extension];
  if (imageFormat !== undefined) return { kind: 'image', format: imageFormat };
  const binaryFormat = BINARY_FORMATS[extension];
  if (binaryFormat !== undefined) return { kind: 'binary', format: binaryFormat };
  return hasNulByte(head) ? { kind: 'binary' } : { kind: 'text' };
}

/** Whether the first {@link SNIFF_BYTES} of `bytes` hold a NUL byte (the usual test for binary). */
export function hasNulByte(bytes: Uint8Array): boolean {
  return bytes.subarray(0, SNIFF_BYTES).includes(0);
}

/** The first `byteCount` bytes of the file at `path` (fewer if it is shorter). */
export async function readFileHead(path: string, byteCount = SNIFF_BYTES): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(byteCount);
    const { bytesRead } = await handle.read(buffer, 0, byteCount, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
