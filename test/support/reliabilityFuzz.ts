/**
 * Engine fuzzing: a seeded mutator over real Python sources, and the oracles every mutated
 * workspace must satisfy — the engine never throws, every file is analysed within a time bound,
 * two cold runs give the same findings, and a run from a warm facts cache gives the same findings
 * as a cold one. Used by the short unit-tier run and by `test/bench/fuzz.ts`.
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { AnalysisEngine, defaultConfiguration, type FileResult } from '../../server/src/analysis';
import { decodeSource } from '../../server/src/analysis/source';

// ---------------------------------------------------------------------------------------------
// Deterministic randomness

/** mulberry32: small, fast, and the same sequence on every platform for a given seed. */
export class Random {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
}

// ---------------------------------------------------------------------------------------------
// Mutations: each takes the bytes of a real file and returns hostile bytes

type Mutation = (bytes: Buffer, random: Random) => Buffer;

const lines = (bytes: Buffer): Buffer[] => {
  const result: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x0a) {
      result.push(bytes.subarray(start, i + 1));
      start = i + 1;
    }
  }
  if (start < bytes.length) result.push(bytes.subarray(start));
  return result;
};

/** A random line span [start, end) of at most `max` lines. */
function span(count: number, random: Random, max: number): [number, number] {
  const start = random.int(Math.max(1, count));
  return [start, Math.min(count, start + 1 + random.int(max))];
}

const NESTING_OPENERS: Array<(depth: number) => [string, string]> = [
  (d) => ['x = ' + '('.repeat(d), ')'.repeat(d) + '\n'],
  (d) => ['x = ' + '['.repeat(d), ']'.repeat(d) + '\n'],
  (d) => ['x = ' + '{1: '.repeat(d) + '1', '}'.repeat(d) + '\n'],
  (d) => ['x = ' + 'f('.repeat(d), ')'.repeat(d) + '\n'],
  (d) => ['x = ' + 'not '.repeat(d) + 'y', '\n'],
  (d) => ['x = ' + '-'.repeat(d) + '1', '\n'],
  (d) => ['x = 1' + ' + 1'.repeat(d), '\n'],
  (d) => ['x = a' + '.b'.repeat(d), '\n'],
  (d) => ['x = a' + '[0]'.repeat(d), '\n'],
  (d) => ['x = ' + 'await '.repeat(d) + 'y', '\n'],
  (d) => ['x = ' + 'lambda: '.repeat(d) + '0', '\n'],
];

/** Deeply nested blocks of `async def` / `if` / `with` / `def`, ending in a blocking call. */
function nestedBlocks(depth: number, random: Random): string {
  const heads = ['async def f():', 'if x:', 'with a:', 'def g():', 'class C:', 'for i in y:', 'try:', 'async with b:'];
  let text = '';
  for (let d = 0; d < depth; d++) text += ' '.repeat(d) + random.pick(heads) + '\n';
  return text + ' '.repeat(depth) + 'time.sleep(1)\n';
}

const ENCODING_DAMAGE: Array<(random: Random) => Buffer> = [
  () => Buffer.from([0x00]),
  () => Buffer.from([0xff, 0xfe]),
  () => Buffer.from([0xef, 0xbb, 0xbf]), // a BOM in the middle
  () => Buffer.from('# -*- coding: latin-1 -*-\n'),
  () => Buffer.from('# coding: no-such-codec\n'),
  () => Buffer.from('# vim: set fileencoding=cp1252 :\n'),
  () => Buffer.from('s = "\u00e9\u4e2d\u{1f600}"\n', 'utf8'),
  () => Buffer.from('s = "\u00e9"\n', 'latin1'),
  () => Buffer.from([0xed, 0xa0, 0x80]), // a UTF-8-encoded lone surrogate
  () => Buffer.from('\r'),
  () => Buffer.from('\r\n'),
  () => Buffer.from('\u2028\u0085\f\v', 'utf8'),
  () => Buffer.from('\t \t'),
  (random) => Buffer.from(String.fromCharCode(...Array.from({ length: 16 }, () => random.int(0x250))), 'utf8'),
];

export const MUTATIONS: Record<string, Mutation> = {
  byteFlips: (bytes, random) => {
    const out = Buffer.from(bytes);
    const flips = 1 + random.int(8);
    for (let i = 0; i < flips && out.length; i++) out[random.int(out.length)] ^= 1 << random.int(8);
    return out;
  },
  randomBytes: (bytes, random) => {
    const out = Buffer.from(bytes);
    const count = 1 + random.int(32);
    for (let i = 0; i < count && out.length; i++) out[random.int(out.length)] = random.int(256);
    return out;
  },
  truncate: (bytes, random) => bytes.subarray(0, random.int(bytes.length + 1)),
  deleteLines: (bytes, random) => {
    const all = lines(bytes);
    const [start, end] = span(all.length, random, 12);
    return Buffer.concat([...all.slice(0, start), ...all.slice(end)]);
  },
  duplicateLines: (bytes, random) => {
    const all = lines(bytes);
    const [start, end] = span(all.length, random, 20);
    const copies = 1 + random.int(6);
    const block = all.slice(start, end);
    return Buffer.concat([...all.slice(0, end), ...Array.from({ length: copies }, () => block).flat(), ...all.slice(end)]);
  },
  shuffleLines: (bytes, random) => {
    const all = lines(bytes);
    for (let i = all.length - 1; i > 0 && random.next() < 0.9; i--) {
      const j = random.int(i + 1);
      [all[i], all[j]] = [all[j]!, all[i]!];
    }
    return Buffer.concat(all);
  },
  reindent: (bytes, random) => {
    const all = lines(bytes);
    const [start, end] = span(all.length, random, 30);
    const shift = random.pick([' ', '    ', '\t', '        ']);
    const dedent = random.next() < 0.5;
    return Buffer.concat(all.map((line, i) => {
      if (i < start || i >= end) return line;
      if (dedent) return Buffer.from(line.toString('latin1').replace(/^\s{1,4}/, ''), 'latin1');
      return Buffer.concat([Buffer.from(shift), line]);
    }));
  },
  deepNesting: (bytes, random) => {
    const depth = random.pick([50, 200, 1000, 5000, 20000]);
    const [open, close] = random.pick(NESTING_OPENERS)(depth);
    const inner = random.next() < 0.5 ? nestedBlocks(Math.min(depth, 400), random) : open + close;
    return insertAtLine(bytes, random, Buffer.from(inner));
  },
  giantLiteral: (bytes, random) => {
    const size = random.pick([1 << 12, 1 << 16, 1 << 20]);
    const kinds = [
      () => `s = "${'a'.repeat(size)}"\n`,
      () => `s = """${'line\n'.repeat(size / 5)}"""\n`,
      () => `n = ${'9'.repeat(size)}\n`,
      () => `l = [${'1, '.repeat(size / 3)}]\n`,
      () => `d = {${Array.from({ length: size / 16 }, (_, i) => `"k${i}": ${i}`).join(', ')}}\n`,
      () => `f = f"${'{x}'.repeat(size / 3)}"\n`,
      () => `# ${'#'.repeat(size)}\n`,
      () => `x = "unterminated ${'b'.repeat(size)}\n`,
    ];
    return insertAtLine(bytes, random, Buffer.from(random.pick(kinds)()));
  },
  manyStatements: (bytes, random) => {
    const count = random.pick([1000, 10000, 50000]);
    const statement = random.pick(['time.sleep(0)\n', 'await x\n', 'f()\n', 'pass\n', 'asyncio.create_task(g())\n']);
    const body = `async def generated():\n${('    ' + statement).repeat(count)}`;
    return Buffer.concat([bytes, Buffer.from('\nimport time, asyncio\n'), Buffer.from(body)]);
  },
  encodingDamage: (bytes, random) => {
    const count = 1 + random.int(4);
    let out = bytes;
    for (let i = 0; i < count; i++) {
      const damage = random.pick(ENCODING_DAMAGE)(random);
      const at = random.next() < 0.3 ? 0 : random.int(out.length + 1);
      out = Buffer.concat([out.subarray(0, at), damage, out.subarray(at)]);
    }
    return out;
  },
  lineEndings: (bytes, random) => {
    // Byte-level, so that bytes that are not UTF-8 stay as they were.
    const ending = Buffer.from(random.pick(['\r\n', '\r', '\n\n', '\u2028', '\u0085']), 'utf8');
    return Buffer.concat(lines(bytes).flatMap((line) => (line[line.length - 1] === 0x0a ? [line.subarray(0, -1), ending] : [line])));
  },
  spliceTokens: (bytes, random) => {
    const tokens = ['async ', 'await ', 'def ', 'yield ', 'lambda ', ':', '(', ')', '[', ']', '{', '}', '"', "'", '"""', '\\', '@gen.coroutine\n', '@', '#', 'import ', 'from . import ', ' as ', '\n    ', 'noqa', ', ', 'constructor', '__proto__', 'toString', 'prototype'];
    const out: Buffer[] = [];
    let cursor = 0;
    const count = 1 + random.int(10);
    const points = Array.from({ length: count }, () => random.int(bytes.length + 1)).sort((a, b) => a - b);
    for (const point of points) {
      out.push(bytes.subarray(cursor, point), Buffer.from(random.pick(tokens)));
      cursor = point;
    }
    out.push(bytes.subarray(cursor));
    return Buffer.concat(out);
  },
  empty: () => Buffer.alloc(0),
};

function insertAtLine(bytes: Buffer, random: Random, insert: Buffer): Buffer {
  const all = lines(bytes);
  const at = random.int(all.length + 1);
  return Buffer.concat([...all.slice(0, at), insert, ...all.slice(at)]);
}

/** Applies 1–3 random mutations; returns the bytes and the names applied (for a reproducible report). */
export function mutate(bytes: Buffer, random: Random): { bytes: Buffer; applied: string[] } {
  const names = Object.keys(MUTATIONS);
  const applied: string[] = [];
  let out = bytes;
  const rounds = 1 + (random.next() < 0.3 ? 1 + random.int(2) : 0);
  for (let i = 0; i < rounds; i++) {
    const name = random.pick(names);
    applied.push(name);
    out = MUTATIONS[name]!(out, random);
  }
  return { bytes: out, applied };
}

// ---------------------------------------------------------------------------------------------
// Corpus

/** Python sources copied together into one workspace, so imports between them resolve. */
export interface CorpusProject {
  root: string;
  files: string[]; // relative paths of its .py files
}

export function pythonFilesUnder(root: string, limit = Infinity): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
    } catch {
      return;
    }
    for (const entry of entries) {
      if (found.length >= limit) return;
      if (entry.name.startsWith('.') || entry.name === 'node_modules' || entry.name === '__pycache__' || entry.name === 'site-packages') continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && entry.name.endsWith('.py')) found.push(path.relative(root, full));
    }
  };
  walk(root);
  return found;
}

export function corpusProject(root: string, limit?: number): CorpusProject {
  return { root, files: pythonFilesUnder(root, limit) };
}

// ---------------------------------------------------------------------------------------------
// Oracles

export interface FuzzFailure {
  /** Seed of the batch, the mutated files and what was done to them: enough to reproduce. */
  seed: number;
  project: string;
  inputs: Array<{ file: string; mutations: string[] }>;
  problem: string;
  /** threw; slow; nondeterministic (two cold runs differ); cache-findings / cache-notes (cold ≠ cached). */
  kind: 'threw' | 'slow' | 'nondeterministic' | 'cache-findings' | 'cache-notes';
  /** Where the failing workspace was kept (when `keepFailures` is set). */
  keptAt?: string;
}

export interface FuzzStats {
  inputs: number;
  batches: number;
  failures: FuzzFailure[];
  slowest: { file: string; mutations: string[]; ms: number; bytes: number; seed: number } | undefined;
  inputMs: number[];
}

export interface FuzzOptions {
  wasmDir: string;
  projects: CorpusProject[];
  seed: number;
  /** Mutated files to produce in all. */
  inputs: number;
  /** Mutated files per batch (one batch = one copied workspace, analysed by four engines). */
  perBatch?: number;
  /** An input whose parse + analysis takes longer than this is a failure (a hang, in effect). */
  maxInputMs?: number;
  /** Copy failing workspaces here instead of deleting them. */
  keepFailures?: string;
  /** Every Nth workspace also goes through the bundled CLI: --no-cache, then a cache dir filled and reused. */
  cliEvery?: number;
  /** Replays the one batch a failure reported (its `seed`), instead of deriving seeds from `seed`. */
  batchSeed?: number;
  onBatch?(stats: FuzzStats): void;
}

/** What an engine says about a file, in a form two runs can be compared by: findings, then notes. */
function comparable(result: FileResult, root: string): { findings: string; notes: string } {
  const relative = (p: string): string => path.relative(root, p);
  return {
    findings: JSON.stringify(result.findings.map((f) => ({
      code: f.code, message: f.message, severity: f.severity, range: f.range, path: relative(f.path),
      chain: f.chain?.map((h) => ({ ...h, path: relative(h.path) })),
      fixes: f.fixes.map((x) => ({ ...x, edits: x.edits.map((e) => ({ ...e, path: relative(e.path) })) })),
      suggestion: f.suggestion,
    }))),
    notes: JSON.stringify(result.notes.map((n) => ({ ...n, path: relative(n.path) }))),
  };
}

type RunResults = Map<string, { findings: string; notes: string }>;

async function runEngine(wasmDir: string, root: string, cacheDir?: string): Promise<RunResults> {
  const engine = await AnalysisEngine.create({ wasmDir, ...(cacheDir ? { cacheDir } : {}) });
  engine.setConfiguration(root, defaultConfiguration());
  await engine.indexWorkspace(root);
  const results: RunResults = new Map();
  for (const file of engine.indexedFiles(root)) {
    const result = engine.mayHaveFindings(file) ? engine.analyzeFile(file) : { path: file, findings: [], notes: engine.fileNotes(file) };
    results.set(path.relative(root, file), comparable(result, root));
  }
  if (cacheDir) await engine.flushCache();
  return results;
}

/** The first file whose findings (else notes) differ between two runs, and how. */
function firstDifference(a: RunResults, b: RunResults): { part: 'findings' | 'notes'; text: string } | undefined {
  for (const part of ['findings', 'notes'] as const) {
    for (const key of new Set([...a.keys(), ...b.keys()])) {
      const [left, right] = [a.get(key)?.[part] ?? '(absent)', b.get(key)?.[part] ?? '(absent)'];
      if (left === right) continue;
      let at = 0;
      while (left[at] === right[at]) at++;
      const from = Math.max(0, at - 80);
      return { part, text: `${key} ${part}: …${left.slice(from, at + 220)} ≠ …${right.slice(from, at + 220)}` };
    }
  }
  return undefined;
}

/** Parse + facts + check of one file in an editor-buffer engine: the per-input time bound. Throws what the engine throws. */
function timeInput(engine: AnalysisEngine, file: string, bytes: Buffer): number {
  const decoded = decodeSource(bytes, defaultConfiguration().maxFileBytes);
  if (!('text' in decoded)) return 0;
  const started = performance.now();
  try {
    engine.updateFile(file, decoded.text);
    engine.analyzeFile(file);
  } finally {
    engine.removeFile(file);
  }
  return performance.now() - started;
}

export async function fuzzEngine(options: FuzzOptions): Promise<FuzzStats> {
  const stats: FuzzStats = { inputs: 0, batches: 0, failures: [], slowest: undefined, inputMs: [] };
  const perBatch = options.perBatch ?? 8;
  const maxInputMs = options.maxInputMs ?? 10_000;
  const projects = options.projects.filter((p) => p.files.length);
  const timing = await AnalysisEngine.create({ wasmDir: options.wasmDir });
  /** Copies a failing workspace aside when asked to. */
  const keep = (workspace: string, seed: number): { keptAt?: string } => {
    if (!options.keepFailures) return {};
    const keptAt = path.join(options.keepFailures, `seed-${seed}`);
    cpSync(workspace, keptAt, { recursive: true, force: true });
    return { keptAt };
  };
  const scratch = mkdtempSync(path.join(tmpdir(), 'coroutine-lens-fuzz-'));
  try {
    for (let batch = 0; stats.inputs < options.inputs; batch++) {
      const seed = options.batchSeed ?? (options.seed * 1_000_003 + batch) >>> 0;
      const random = new Random(seed);
      const project = random.pick(projects);
      const workspace = path.join(scratch, `batch-${batch}`);
      for (const file of project.files) {
        mkdirSync(path.dirname(path.join(workspace, file)), { recursive: true });
        cpSync(path.join(project.root, file), path.join(workspace, file));
      }
      const count = options.batchSeed !== undefined ? Math.min(perBatch, project.files.length) : Math.min(perBatch, options.inputs - stats.inputs, project.files.length);
      const chosen = new Set<string>();
      while (chosen.size < count) chosen.add(random.pick(project.files));
      const inputs: FuzzFailure['inputs'] = [];
      for (const file of [...chosen].sort()) {
        const target = path.join(workspace, file);
        const { bytes, applied } = mutate(readFileSync(target), random);
        writeFileSync(target, bytes);
        inputs.push({ file, mutations: applied });
        let ms: number;
        try {
          ms = timeInput(timing, target, bytes);
        } catch (error) {
          stats.failures.push({ seed, project: project.root, inputs: [{ file, mutations: applied }], kind: 'threw', problem: `the engine threw on the buffer: ${(error as Error).stack ?? String(error)}`, ...keep(workspace, seed) });
          continue;
        }
        stats.inputMs.push(ms);
        if (!stats.slowest || ms > stats.slowest.ms) stats.slowest = { file: path.join(path.basename(project.root), file), mutations: applied, ms, bytes: bytes.length, seed };
        if (ms > maxInputMs) {
          stats.failures.push({ seed, project: project.root, inputs: [{ file, mutations: applied }], problem: `took ${ms.toFixed(0)} ms (limit ${maxInputMs} ms)`, kind: 'slow', ...keep(workspace, seed) });
        }
      }
      stats.inputs += inputs.length;
      stats.batches++;
      let verdict = await checkWorkspace(options.wasmDir, workspace, path.join(scratch, `cache-${batch}`));
      if (!verdict && options.cliEvery && batch % options.cliEvery === 0) verdict = checkCli(workspace, path.join(scratch, `cli-cache-${batch}`));
      if (verdict) stats.failures.push({ seed, project: project.root, inputs, ...verdict, ...keep(workspace, seed) });
      rmSync(workspace, { recursive: true, force: true });
      rmSync(path.join(scratch, `cache-${batch}`), { recursive: true, force: true });
      rmSync(path.join(scratch, `cli-cache-${batch}`), { recursive: true, force: true });
      options.onBatch?.(stats);
      if (options.batchSeed !== undefined) break;
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return stats;
}

/** The oracles over one workspace: the first violation, or undefined. */
async function checkWorkspace(wasmDir: string, workspace: string, cacheDir: string): Promise<Pick<FuzzFailure, 'problem' | 'kind'> | undefined> {
  try {
    const first = await runEngine(wasmDir, workspace);
    const second = await runEngine(wasmDir, workspace);
    const differs = firstDifference(first, second);
    if (differs) return { kind: 'nondeterministic', problem: `two cold runs differ: ${differs.text}` };
    const filling = await runEngine(wasmDir, workspace, cacheDir);
    const warm = await runEngine(wasmDir, workspace, cacheDir);
    for (const [name, run] of [['the run that fills the cache', filling], ['the warm (cached) run', warm]] as const) {
      const cached = firstDifference(first, run);
      if (cached) return { kind: cached.part === 'findings' ? 'cache-findings' : 'cache-notes', problem: `${name} differs from a run without cache: ${cached.text}` };
    }
    return undefined;
  } catch (error) {
    return { kind: 'threw', problem: `the engine threw: ${(error as Error).stack ?? String(error)}` };
  }
}

/** The CLI's JSON report is the same cold (--no-cache), while filling a cache, and from the warm cache. */
function checkCli(workspace: string, cacheDir: string): Pick<FuzzFailure, 'problem' | 'kind'> | undefined {
  const cli = path.resolve(__dirname, '..', '..', '..', 'dist', 'cli.js');
  const run = (args: string[]): { status: number | null; stdout: string; stderr: string } =>
    spawnSync(process.execPath, [cli, 'check', '--format', 'json', ...args, '.'], { cwd: workspace, encoding: 'utf8', maxBuffer: 256 << 20, timeout: 120_000 });
  const cold = run(['--no-cache']);
  if (cold.status !== 0 && cold.status !== 1) return { kind: 'threw', problem: `the CLI exited with ${cold.status}: ${cold.stderr.slice(0, 2000)}` };
  for (const [name, result] of [['filling the cache', run(['--cache-dir', cacheDir])], ['from the warm cache', run(['--cache-dir', cacheDir])]] as const) {
    if (result.status !== cold.status || result.stdout !== cold.stdout) {
      return { kind: 'cache-findings', problem: `the CLI ${name} differs from --no-cache (exit ${result.status} vs ${cold.status}): ${result.stderr.slice(0, 500)}` };
    }
  }
  return undefined;
}

export function percentile(values: number[], p: number): number {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * Parses and analyses `text` as an editor buffer in a child node process, so an input that makes
 * the engine spin or overflow its stack cannot take the test run down with it.
 */
export function analyseInChild(wasmDir: string, text: string, timeoutMs: number): { outcome: 'ok' | 'threw' | 'timeout'; ms: number; detail: string } {
  const engineModule = path.resolve(__dirname, '..', '..', 'server', 'src', 'analysis');
  const script = `
    const { AnalysisEngine } = require(${JSON.stringify(engineModule)});
    const text = require('node:fs').readFileSync(0, 'utf8');
    AnalysisEngine.create({ wasmDir: ${JSON.stringify(wasmDir)} }).then((engine) => {
      const file = require('node:path').join(require('node:os').tmpdir(), 'coroutine-lens-fuzz-case.py');
      try {
        engine.updateFile(file, text);
        const result = engine.analyzeFile(file);
        process.stdout.write(JSON.stringify({ findings: result.findings.length, notes: result.notes.length }));
      } catch (error) {
        process.stdout.write('THREW ' + String(error && error.stack || error).split('\\n').slice(0, 3).join(' | '));
      }
    });`;
  const started = performance.now();
  const child = spawnSync(process.execPath, ['-e', script], { input: text, timeout: timeoutMs, encoding: 'utf8', maxBuffer: 1 << 20 });
  const ms = performance.now() - started;
  if (child.error && (child.error as NodeJS.ErrnoException).code === 'ETIMEDOUT') return { outcome: 'timeout', ms, detail: `no result within ${timeoutMs} ms` };
  if (child.stdout.startsWith('THREW')) return { outcome: 'threw', ms, detail: child.stdout };
  if (child.status !== 0) return { outcome: 'threw', ms, detail: `exit ${child.status}: ${child.stderr.slice(0, 500)}` };
  return { outcome: 'ok', ms, detail: child.stdout };
}
