/** Hover on a flagged call: why it blocks, the chain that leads to the blocking call, what to use instead. */
import { MarkupKind, type Hover, type Position, type Range } from 'vscode-languageserver/node';
import { ruleCatalogue } from '../analysis';
import { ruleUrl, toLspRange } from './diagnostics';
import type { Reported } from './codeActions';
import type { PathMap } from './paths';

function contains(range: Range, position: Position): boolean {
  const afterStart = position.line > range.start.line || (position.line === range.start.line && position.character >= range.start.character);
  const beforeEnd = position.line < range.end.line || (position.line === range.end.line && position.character <= range.end.character);
  return afterStart && beforeEnd;
}

function fileName(path: string): string {
  return path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
}

export function hoverAt(position: Position, reported: readonly Reported[], paths: PathMap): Hover | undefined {
  const here = reported.filter(({ diagnostic }) => contains(diagnostic.range, position));
  if (here.length === 0) return undefined;
  const sections = here.map(({ finding }) => {
    const title = ruleCatalogue.find((rule) => rule.code === finding.code)?.title;
    const lines = [`**${finding.code}**${title ? ` — ${title}` : ''}`, '', finding.message];
    if (finding.chain && finding.chain.length > 0) {
      lines.push('', 'Blocks through:');
      finding.chain.forEach((hop, index) => {
        const line = hop.range.start.line + 1;
        const link = `${paths.uriOf(hop.path)}#L${line}`;
        lines.push(`${index + 1}. ${hop.description}${hop.code ? ` (${hop.code})` : ''} — [${fileName(hop.path)}:${line}](${link})`);
      });
    }
    if (finding.suggestion) lines.push('', `**Instead:** ${finding.suggestion}`);
    lines.push('', `[${finding.code} documentation](${ruleUrl(finding.code)})`);
    return lines.join('\n');
  });
  return { contents: { kind: MarkupKind.Markdown, value: sections.join('\n\n---\n\n') }, range: toLspRange(here[0].finding.range) };
}
