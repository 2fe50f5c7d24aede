/** Where two versions of a text differ: their common prefix and suffix (one edit region between). */

/** Strings are compared a block at a time (native comparison), then character by character in the first block that differs. */
const BLOCK = 1024;

/** Length of the common prefix of `a` and `b`. */
export function commonPrefix(a: string, b: string): number {
  const max = Math.min(a.length, b.length);
  let start = 0;
  while (start + BLOCK <= max && a.substring(start, start + BLOCK) === b.substring(start, start + BLOCK)) start += BLOCK;
  while (start < max && a.charCodeAt(start) === b.charCodeAt(start)) start++;
  return start;
}

/** Length of the common suffix of `a` and `b`, at most `max`. */
export function commonSuffix(a: string, b: string, max: number): number {
  let length = 0;
  while (length + BLOCK <= max && a.substring(a.length - length - BLOCK, a.length - length) === b.substring(b.length - length - BLOCK, b.length - length)) length += BLOCK;
  while (length < max && a.charCodeAt(a.length - length - 1) === b.charCodeAt(b.length - length - 1)) length++;
  return length;
}
