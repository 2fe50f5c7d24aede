/**
 * Annotations in the facts' dotted form. A variable annotated `Optional[T]`, `Union[T, None]`,
 * `T | None`, `"T"` (a forward reference, also `"Optional[T]"`) or `Annotated[T, …]` holds a T
 * whenever it is used as one, so it types as T. What the wrapper is — typing's, or some other
 * subscriptable — only resolution can tell: `Optional[T]` is kept as `Optional[T]` (a dotted form
 * never has text between its brackets) and the Resolver unwraps it when `Optional` is typing's.
 * Anything else (a union of two types, `list[T]`, a `Callable`) has no dotted form: never guessed.
 */

const DOTTED_NAME = /^[A-Za-z_][\w]*(?:\s*\.\s*[A-Za-z_]\w*)*$/;
const SUBSCRIPT = /^([A-Za-z_][\w.]*)\s*\[([^]*)\]$/;
/** Quotes of a string annotation, longest first: `"""T"""`, `'T'`. */
const QUOTED = /^(?:"""([^]*)"""|'''([^]*)'''|"([^"]*)"|'([^']*)')$/;
/** A wrapper whose first argument is the type and the rest metadata (PEP 593). */
const FIRST_ARGUMENT_ONLY = /(?:^|\.)Annotated$/;
/** Deeper than this an annotation is not followed (a string inside a string inside …). */
const MAX_DEPTH = 8;

/** The dotted form of the annotation written as `text`, or undefined when it names no single type. */
export function annotationType(text: string, depth = 0): string | undefined {
  const type = normalized(text, depth);
  return type === 'None' ? undefined : type;
}

/** `text` as a dotted type, `W[T]` for a one-type subscript, 'None' for None; undefined for anything else. */
function normalized(text: string, depth: number): string | undefined {
  if (depth > MAX_DEPTH) return undefined;
  const trimmed = text.trim();
  const quoted = QUOTED.exec(trimmed);
  if (quoted) return normalized(quoted[1] ?? quoted[2] ?? quoted[3] ?? quoted[4] ?? '', depth + 1);
  const union = topLevel(trimmed, '|');
  if (!union) return undefined;
  if (union.length > 1) return onlyType(union, depth);
  if (DOTTED_NAME.test(trimmed)) return trimmed.replace(/\s+/g, '');
  const subscript = SUBSCRIPT.exec(trimmed);
  if (!subscript) return undefined;
  const [, wrapper, inside] = subscript as unknown as [string, string, string];
  const args = topLevel(inside, ',');
  if (!args) return undefined;
  const type = onlyType(FIRST_ARGUMENT_ONLY.test(wrapper) ? args.slice(0, 1) : args, depth);
  return type === undefined ? undefined : `${wrapper}[${type}]`;
}

/** The one type of `parts` that is not None (`T | None`, `Union[None, T]`); undefined for none or several. */
function onlyType(parts: string[], depth: number): string | undefined {
  let type: string | undefined;
  for (const part of parts) {
    const each = normalized(part, depth + 1);
    if (each === undefined) return undefined;
    if (each === 'None') continue;
    if (type !== undefined) return undefined;
    type = each;
  }
  return type;
}

/** `text` split at `separator` outside brackets and strings; undefined when its brackets do not balance. */
function topLevel(text: string, separator: string): string[] | undefined {
  const parts: string[] = [];
  let depth = 0;
  let quote = '';
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[' || c === '(') depth++;
    else if (c === ']' || c === ')') {
      if (--depth < 0) return undefined;
    } else if (c === separator && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  if (depth !== 0 || quote) return undefined;
  parts.push(text.slice(start));
  return parts;
}

/** `W[T]` → [`W`, `T`] for an annotation kept with its wrapper; undefined for a plain type. */
export function wrappedType(annotation: string): [string, string] | undefined {
  const open = annotation.indexOf('[');
  // A dotted form's own subscripts are empty (`a[].b`): text inside brackets is a wrapper's type.
  if (open < 0 || annotation[open + 1] === ']') return undefined;
  return [annotation.slice(0, open), annotation.slice(open + 1, -1)];
}
