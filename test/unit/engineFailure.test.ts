/**
 * When the engine itself fails on one file (a bug, or an input no other test foresaw), that file
 * gets a note saying so and every other file is still analysed. No known input makes the engine
 * throw any more (the pathological and fuzz suites keep it so), so the failure is injected: the
 * engine's real tree-sitter parser throws for texts that carry a marker.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { AnalysisEngine, defaultConfiguration } from '../../server/src/analysis';
import { wasmDir } from './engineHarness';

const scratch = mkdtempSync(path.join(tmpdir(), 'coroutine-lens-failure-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const FAULT = 'INJECTED_FAULT';

interface ParserSeam {
  parse(text: string, old?: unknown): unknown;
}

/** An engine over `files` whose parser throws on any text containing FAULT. */
async function engineOver(files: Record<string, string>): Promise<{ engine: AnalysisEngine; root: string }> {
  const root = mkdtempSync(path.join(scratch, 'ws-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), text);
  }
  const engine = await AnalysisEngine.create({ wasmDir });
  const parser = (engine as unknown as { parser: ParserSeam }).parser;
  const parse = parser.parse.bind(parser);
  parser.parse = (text, old) => {
    if (text.includes(FAULT)) throw new RangeError('Maximum call stack size exceeded (injected)');
    return parse(text, old);
  };
  engine.setConfiguration(root, defaultConfiguration());
  await engine.indexWorkspace(root);
  return { engine, root };
}

const BLOCKING = 'import time\n\nasync def handler():\n    time.sleep(1)\n';

test('a file whose parse fails is a note on that file; the others are analysed', async () => {
  const { engine, root } = await engineOver({
    'broken.py': `# ${FAULT}\n${BLOCKING}`,
    'fine.py': BLOCKING,
  });
  const broken = engine.analyzeFile(path.join(root, 'broken.py'));
  assert.deepEqual(broken.findings, []);
  assert.deepEqual(
    broken.notes.map((n) => n.message),
    ['not analysed: the engine failed on this file (Maximum call stack size exceeded (injected))'],
  );
  const fine = engine.analyzeFile(path.join(root, 'fine.py'));
  assert.deepEqual(fine.findings.map((f) => `${f.range.start.line + 1}:${f.code}`), ['4:ASYNC251']);
  assert.deepEqual(fine.notes, []);
});

test('a failure while analysing a file (a lazy block its calls lead into) is a note on that file; the others are analysed', async () => {
  const { engine, root } = await engineOver({
    // The helper is a lazy block: the eager parse blanks it, so only the analysis of a call into
    // it parses the marker.
    'helpers.py': `import time\n\n\ndef wait():\n    # ${FAULT}\n    time.sleep(1)\n`,
    'caller.py': 'from helpers import wait\n\n\nasync def handler():\n    wait()\n',
    'fine.py': BLOCKING,
  });
  const caller = engine.analyzeFile(path.join(root, 'caller.py'));
  assert.deepEqual(caller.findings, []);
  assert.equal(caller.notes.length, 1, JSON.stringify(caller.notes));
  assert.match(caller.notes[0]!.message, /^not checked: the engine failed on this file \(.*injected\)\)$/);
  const fine = engine.analyzeFile(path.join(root, 'fine.py'));
  assert.deepEqual(fine.findings.map((f) => `${f.range.start.line + 1}:${f.code}`), ['4:ASYNC251']);
});
