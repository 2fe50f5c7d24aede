/**
 * Bytes → text for Python sources: UTF-8 by default, a PEP 263 coding cookie in the first two
 * lines wins, a BOM means UTF-8. Text that cannot be decoded, NUL bytes and oversized files are
 * reported as a note instead of being analysed.
 */
export type Decoded = { text: string } | { problem: string };

const NUL_BYTES = 'skipped: the file contains NUL bytes (binary, not Python source)';

const COOKIE = /^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)/;

function declaredEncoding(bytes: Uint8Array): string | undefined {
  // The cookie must be on line 1 or 2 (PEP 263); those lines are ASCII-compatible in every codec Python allows.
  let end = 0;
  let lines = 0;
  while (end < bytes.length && end < 400 && lines < 2) {
    if (bytes[end] === 0x0a) lines++;
    end++;
  }
  const head = Buffer.from(bytes.subarray(0, end)).toString('latin1').split('\n');
  for (const line of head.slice(0, 2)) {
    const match = COOKIE.exec(line);
    if (match) return match[1]!.toLowerCase();
    if (!/^[ \t\f]*(#.*)?\r?$/.test(line)) break; // the cookie may follow only a comment or blank line
  }
  return undefined;
}

/** Python codec names that TextDecoder spells differently. */
const CODEC_ALIASES = new Map<string, string>([
  ['utf8', 'utf-8'], ['utf_8', 'utf-8'], ['latin-1', 'latin1'], ['latin_1', 'latin1'],
  ['iso-8859-1', 'latin1'], ['iso8859-1', 'latin1'], ['cp1252', 'windows-1252'],
  ['iso-8859-15', 'iso-8859-15'], ['koi8_r', 'koi8-r'], ['euc_jp', 'euc-jp'], ['shift_jis', 'shift_jis'],
  ['utf-8-sig', 'utf-8'], ['ascii', 'utf-8'], ['us-ascii', 'utf-8'],
]);

export function decodeSource(bytes: Uint8Array, maxBytes: number): Decoded {
  if (bytes.length > maxBytes) return { problem: `skipped: ${bytes.length} bytes is over the size limit of ${maxBytes} bytes` };
  if (bytes.indexOf(0) >= 0) return { problem: NUL_BYTES };
  const hasBom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  const declared = declaredEncoding(bytes);
  const encoding = hasBom || !declared ? 'utf-8' : (CODEC_ALIASES.get(declared) ?? declared.replace(/_/g, '-'));
  let decoder: InstanceType<typeof TextDecoder>;
  try {
    decoder = new TextDecoder(encoding, { fatal: true, ignoreBOM: false });
  } catch {
    return { problem: `skipped: unknown source encoding '${declared}' in the coding cookie` };
  }
  try {
    return { text: decoder.decode(bytes) };
  } catch {
    return { problem: `skipped: the file is not valid ${declared ? `'${declared}'` : 'UTF-8'} text (add a PEP 263 coding cookie if it uses another encoding)` };
  }
}

/** Why an editor buffer's text is not analysed, as decodeSource says of the same text on disk (NUL bytes: Python refuses such source); else undefined. */
export function bufferProblem(text: string): string | undefined {
  return text.includes('\0') ? NUL_BYTES : undefined;
}
