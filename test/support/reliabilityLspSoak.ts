/**
 * Language-server soak: a scripted client drives `dist/server.js --stdio` with seeded random edits,
 * saves, opens, closes, renames (didChangeWatchedFiles) and configuration changes on a copy of a
 * workspace. Measures the latency from each edit to the diagnostics of that version and the
 * server's RSS; at the end the server's diagnostics of every file must equal a fresh CLI run.
 * Used by `test/lsp/reliability-soak.test.ts` (short) and `test/bench/soak.ts` (long).
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { FileChangeType, type Diagnostic } from 'vscode-languageserver-protocol/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { coroutineLensServer, fileUri, LspClient } from './lspClient';
import { cliFindings, diagnosticKey } from './reliabilityDifferential';
import { percentile, pythonFilesUnder, Random } from './reliabilityFuzz';

/** Lines a user might type into a coroutine workspace: blocking calls, awaits, fixes, noise. */
const SNIPPETS = [
  '    time.sleep(0.1)\n',
  '    await asyncio.sleep(0.1)\n',
  '    open("data.txt").read()\n',
  '    requests.get("http://example.com")\n',
  '    subprocess.run(["ls"])\n',
  '    asyncio.create_task(asyncio.sleep(1))\n',
  '    x = 1  # noqa\n',
  '    time.sleep(1)  # noqa: ASYNC251\n',
  'import time\n',
  'import asyncio, subprocess, requests\n',
  'async def added_coroutine():\n    time.sleep(1)\n',
  'def added_helper():\n    time.sleep(1)\n',
  '\n',
  '# a comment\n',
  '    pass\n',
  '    if True:\n        time.sleep(2)\n',
  'async def broken(:\n',
  '    """unterminated\n',
];

const SETTINGS: Array<Record<string, unknown>> = [
  {},
  { ignore: ['CORO201'] },
  { select: ['ASYNC251', 'CORO120'] },
  { transitive: false },
  { severity: { ASYNC251: 'error' } },
];

export interface LspSoakReport {
  operations: number;
  counts: Record<string, number>;
  editLatencyMs: number[];
  /** VmRSS of the server in kB at start (after indexing), middle and end. */
  rssKb: { start: number; middle: number; end: number };
  /** Edits whose diagnostics never came within the bound. */
  unanswered: string[];
  /** Files where the server's final diagnostics differ from a fresh CLI run. */
  finalMismatches: string[];
  finalFiles: number;
  finalFindings: number;
}

export function rssKb(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

interface OpenDocument {
  document: TextDocument;
}

export async function lspSoak(options: { source: string; operations: number; seed: number; answerWithinMs?: number; onProgress?(done: number): void }): Promise<LspSoakReport> {
  const random = new Random(options.seed);
  const answerWithin = options.answerWithinMs ?? 15_000;
  const root = mkdtempSync(path.join(tmpdir(), 'coroutine-lens-lsp-soak-'));
  cpSync(options.source, root, { recursive: true });
  const report: LspSoakReport = { operations: 0, counts: {}, editLatencyMs: [], rssKb: { start: 0, middle: 0, end: 0 }, unanswered: [], finalMismatches: [], finalFiles: 0, finalFindings: 0 };
  const client = await LspClient.start(coroutineLensServer(), { root, settings: {} });
  const open = new Map<string, OpenDocument>(); // by relative path
  let version = 1;
  const count = (name: string): void => {
    report.counts[name] = (report.counts[name] ?? 0) + 1;
  };
  const files = (): string[] => pythonFilesUnder(root);
  const uriOf = (file: string): string => fileUri(path.join(root, file));

  const openFile = async (file: string): Promise<void> => {
    const text = readFileSync(path.join(root, file), 'utf8');
    const document = TextDocument.create(uriOf(file), 'python', ++version, text);
    open.set(file, { document });
    await client.open(document.uri, text, document.version);
  };
  const save = async (file: string): Promise<void> => {
    const doc = open.get(file);
    if (!doc) return;
    writeFileSync(path.join(root, file), doc.document.getText());
    await client.filesChanged([{ uri: uriOf(file), type: FileChangeType.Changed }]);
  };

  try {
    await client.progressEnded(120_000);
    report.rssKb.start = rssKb(client.pid);
    for (let op = 0; op < options.operations; op++) {
      if (op === Math.floor(options.operations / 2)) report.rssKb.middle = rssKb(client.pid);
      const roll = random.next();
      const all = files();
      if (roll < 0.6 || open.size === 0) {
        // An edit of an open document (opening one first if none is).
        if (open.size === 0) await openFile(random.pick(all));
        const file = random.pick([...open.keys()]);
        const doc = open.get(file)!;
        const text = doc.document.getText();
        const lineCount = doc.document.lineCount;
        const line = random.int(lineCount);
        let range;
        let newText: string;
        const kind = random.next();
        if (kind < 0.5) {
          range = { start: { line, character: 0 }, end: { line, character: 0 } };
          newText = random.pick(SNIPPETS);
          count('edit: insert');
        } else if (kind < 0.75 && lineCount > 1) {
          range = { start: { line, character: 0 }, end: { line: Math.min(lineCount, line + 1 + random.int(3)), character: 0 } };
          newText = '';
          count('edit: delete');
        } else {
          const lineText = text.split('\n')[line] ?? '';
          const at = random.int(lineText.length + 1);
          range = { start: { line, character: at }, end: { line, character: Math.min(lineText.length, at + random.int(3)) } };
          newText = random.pick(['x', ' ', '(', ')', ':', '.', 'await ', 'time', '"', '', '\t']);
          count('edit: type');
        }
        const next = TextDocument.update(doc.document, [{ range, text: newText }], ++version);
        doc.document = next;
        const seen = client.diagnostics.get(next.uri)?.length ?? 0;
        const started = performance.now();
        await client.change(next.uri, next.version, [{ range, text: newText }]);
        try {
          await client.waitFor(() => client.diagnostics.get(next.uri)?.slice(seen).find((p) => p.version === next.version), `diagnostics of ${file} v${next.version}`, answerWithin);
          report.editLatencyMs.push(performance.now() - started);
        } catch {
          report.unanswered.push(`${file} v${next.version}`);
        }
      } else if (roll < 0.7) {
        const closed = all.filter((f) => !open.has(f));
        if (closed.length) await openFile(random.pick(closed));
        count('open');
      } else if (roll < 0.78) {
        const file = random.pick([...open.keys()]);
        if (random.next() < 0.5) await save(file);
        await client.close(uriOf(file));
        open.delete(file);
        count('close');
      } else if (roll < 0.88) {
        await save(random.pick([...open.keys()]));
        count('save');
      } else if (roll < 0.94) {
        // Rename on disk, as a file manager would: the editor closes the old name.
        const file = random.pick(all);
        if (open.has(file)) {
          await save(file);
          await client.close(uriOf(file));
          open.delete(file);
        }
        const renamed = path.join(path.dirname(file), `${path.basename(file, '.py').replace(/_r\d+$/, '')}_r${op}.py`);
        if (!existsSync(path.join(root, renamed))) {
          renameSync(path.join(root, file), path.join(root, renamed));
          await client.filesChanged([
            { uri: uriOf(file), type: FileChangeType.Deleted },
            { uri: uriOf(renamed), type: FileChangeType.Created },
          ]);
        }
        count('rename');
      } else {
        await client.changeSettings(random.pick(SETTINGS));
        count('configuration');
      }
      report.operations++;
      options.onProgress?.(report.operations);
    }
    report.rssKb.end = rssKb(client.pid);

    // The end state: default settings, every buffer saved, then every file opened afresh.
    await client.changeSettings({});
    for (const file of [...open.keys()]) {
      await save(file);
      await client.close(uriOf(file));
    }
    open.clear();
    const finalFiles = files();
    const expected = cliFindings(root, finalFiles);
    const finalVersion = ++version;
    for (const file of finalFiles) await client.open(uriOf(file), readFileSync(path.join(root, file), 'utf8'), finalVersion);
    for (const file of finalFiles) await client.diagnosticsFor(uriOf(file), finalVersion, 60_000);
    // Re-analyses caused by other files opening may follow; let them land.
    let publications = -1;
    while (publications !== countPublications(client)) {
      publications = countPublications(client);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    for (const file of finalFiles) {
      const latest = client.latestDiagnostics(uriOf(file));
      const got = (latest?.diagnostics ?? []).filter(isFinding).map((d) => diagnosticKey(file, d)).sort();
      const want = expected.get(file) ?? [];
      report.finalFiles++;
      report.finalFindings += want.length;
      for (const k of want.filter((k) => !got.includes(k))) report.finalMismatches.push(`only the CLI: ${k}`);
      for (const k of got.filter((k) => !want.includes(k))) report.finalMismatches.push(`only the server: ${k}`);
    }
  } finally {
    await client.stop();
    rmSync(root, { recursive: true, force: true });
  }
  return report;
}

function countPublications(client: LspClient): number {
  let n = 0;
  for (const list of client.diagnostics.values()) n += list.length;
  return n;
}

function isFinding(d: Diagnostic): boolean {
  return /^(ASYNC|CORO)\d+$/.test(String(d.code));
}

export function describeLspSoak(r: LspSoakReport): string[] {
  const lat = r.editLatencyMs;
  return [
    `operations          ${r.operations} (${Object.entries(r.counts).sort().map(([k, v]) => `${k} ${v}`).join(', ')})`,
    `edit → diagnostics  p50 ${percentile(lat, 50).toFixed(1)} ms, p95 ${percentile(lat, 95).toFixed(1)} ms, p99 ${percentile(lat, 99).toFixed(1)} ms, max ${percentile(lat, 100).toFixed(1)} ms over ${lat.length} edits`,
    `unanswered edits    ${r.unanswered.length}`,
    `server RSS          start ${(r.rssKb.start / 1024).toFixed(1)} MB, middle ${(r.rssKb.middle / 1024).toFixed(1)} MB, end ${(r.rssKb.end / 1024).toFixed(1)} MB`,
    `final = fresh CLI   ${r.finalMismatches.length ? `NO: ${r.finalMismatches.length} mismatches` : 'yes'} (${r.finalFiles} files, ${r.finalFindings} findings)`,
  ];
}
