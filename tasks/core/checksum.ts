import { createHash } from 'node:crypto'

/**
 * Checksum of a migration's source: SHA-256 of its text with line endings normalised (CRLF and CR become LF)
 * and a leading byte-order mark dropped, so a checkout on Windows is not an edit.
 */
export function migrationChecksum(source: string | Buffer): string {
  const text = (typeof source === 'string' ? source : source.toString('utf8')).replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n')
  return createHash('sha256').update(text, 'utf8').digest('hex')
}
