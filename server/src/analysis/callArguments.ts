/**
 * The arguments that may make a blocking call return at once, kept in its facts for the calls the
 * catalogue's `noWaitArguments` names (`q.get(block=False)`, `os.waitpid(pid, os.WNOHANG)`): only
 * the values such a parameter can take — `False`, a zero, a constant's name or the constants `|`-ed
 * into a value —, so a busy `d.get(key, default)` keeps nothing.
 */
import type { Node } from 'web-tree-sitter';
import { noWaitMethodNames } from './rules/catalogue';

/** A constant's last name, as code spells flags: `WNOHANG`, `AI_NUMERICHOST`, a module's private `_NUMERIC_ONLY`. */
const CONSTANT = /(?:^|\.)_*[A-Z][A-Z0-9_]*$/;

/** Whether the facts keep the arguments of a call of `callee` (its dotted form). */
export function keepsArguments(callee: string): boolean {
  return noWaitMethodNames.has(callee.slice(callee.lastIndexOf('.') + 1));
}

/**
 * The kept arguments of a call's argument list, by position (`'0'`, `'1'`, …; `self` not counted)
 * and by keyword: `False`, `0` (any zero), or the dotted constant names `|`-ed into it, joined by `|`. Undefined when
 * none is kept, or when a `*args` / `**kwargs` leaves positions or keywords unknown.
 */
export function keptArguments(list: Node | null | undefined, dotted: (node: Node) => string | undefined): Record<string, string> | undefined {
  if (list?.type !== 'argument_list') return undefined;
  let kept: Record<string, string> | undefined;
  let position = 0;
  for (const argument of list.namedChildren) {
    if (!argument || argument.type === 'comment') continue;
    if (argument.type === 'list_splat' || argument.type === 'dictionary_splat') return undefined;
    const keyword = argument.type === 'keyword_argument' ? argument.childForFieldName('name')?.text : undefined;
    const valueNode = argument.type === 'keyword_argument' ? argument.childForFieldName('value') : argument;
    const value = valueNode ? keptValue(valueNode, dotted) : undefined;
    if (value !== undefined) (kept ??= Object.create(null) as Record<string, string>)[keyword ?? String(position)] = value;
    if (!keyword) position++;
  }
  return kept;
}

function keptValue(node: Node, dotted: (node: Node) => string | undefined): string | undefined {
  switch (node.type) {
    case 'false':
      return 'False';
    case 'integer':
    case 'float':
      return Number(node.text.replace(/_/g, '')) === 0 ? '0' : undefined;
    case 'parenthesized_expression': {
      const inner = node.namedChild(0);
      return inner ? keptValue(inner, dotted) : undefined;
    }
    case 'binary_operator': {
      if (node.childForFieldName('operator')?.type !== '|') return undefined;
      const left = node.childForFieldName('left');
      const right = node.childForFieldName('right');
      // A bit `|`-ed in stays set whatever the other operand holds (`flags | socket.AI_NUMERICHOST`):
      // the constants are kept, the rest (a parameter, a zero) dropped.
      const parts = [left && keptValue(left, dotted), right && keptValue(right, dotted)].filter((part) => part && part !== 'False' && part !== '0');
      return parts.length ? parts.join('|') : undefined;
    }
    case 'identifier':
    case 'attribute': {
      const name = dotted(node);
      return name && CONSTANT.test(name) ? name : undefined;
    }
    default:
      return undefined;
  }
}
