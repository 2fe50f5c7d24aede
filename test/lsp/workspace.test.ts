// Start-up: the workspace index runs with work-done progress (files done / total), open files get
// diagnostics, and a hover on a flagged call explains it (why, chain, alternative).
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { MarkupContent, WorkDoneProgressBegin, WorkDoneProgressReport } from 'vscode-languageserver-protocol/node';
import { coroutineLensServer, delay, LspClient, makeWorkspace } from '../support/lspClient';

const SECOND_FOLDER: Record<string, string> = {
  'pyproject.toml': '[tool.coroutine-lens]\nignore = ["ASYNC251"]\n',
  'jobs.py': 'import subprocess\nimport time\n\n\nasync def job():\n    time.sleep(1)\n    subprocess.run(["true"])\n',
};

const files: Record<string, string> = {
  'app.py': 'import time\n\nfrom util import fetch\n\n\nasync def main():\n    time.sleep(1)\n    fetch()\n',
  'util.py': 'import requests\n\n\ndef fetch():\n    return requests.get("https://example.org")\n',
};
for (let i = 0; i < 30; i++) files[`pkg/module${i}.py`] = `def f${i}():\n    return ${i}\n`;

describe('workspace start-up and hover', () => {
  const workspace = makeWorkspace(files);
  const app = workspace.uri('app.py');
  let client: LspClient;

  before(async () => {
    client = await LspClient.start(coroutineLensServer(), { root: workspace.root });
    await client.open(app, files['app.py'], 1);
  });
  after(async () => {
    await client.stop();
    workspace.remove();
  });

  it('indexes the workspace with cancellable progress that counts files', async () => {
    const values = await client.progressEnded();
    const begin = values[0] as WorkDoneProgressBegin;
    assert.equal(begin.kind, 'begin');
    assert.equal(begin.cancellable, true);
    const reports = values.filter((v): v is WorkDoneProgressReport => v.kind === 'report');
    assert.ok(reports.length > 0, JSON.stringify(values));
    assert.match(reports.at(-1)!.message ?? '', /^32\/32 files$/);
    assert.equal(reports.at(-1)!.percentage, 100);
    assert.equal(values.at(-1)!.kind, 'end');
    const ready = await client.waitFor(() => client.statuses.find((s) => s.state === 'ready'), 'the ready status');
    assert.equal(ready.files, 32);
    assert.ok(client.statuses.some((s) => s.state === 'indexing' && s.total === 32), JSON.stringify(client.statuses));
  });

  it('writes the index cache where the CLI keeps it (.coroutine_lens_cache in the folder)', async () => {
    const cacheDir = workspace.file('.coroutine_lens_cache');
    for (let waited = 0; waited < 5_000 && !(existsSync(cacheDir) && readdirSync(cacheDir).some((f) => f.endsWith('.json'))); waited += 50) await delay(50);
    assert.ok(readdirSync(cacheDir).some((name) => /^facts-.*\.json$/.test(name)), readdirSync(cacheDir).join(', '));
  });

  it('has the open file analysed with the whole index (the chain into util.py)', async () => {
    await client.waitFor(
      () => client.latestDiagnostics(app)?.diagnostics.some((d) => d.code === 'CORO120'),
      'CORO120 for fetch() in app.py',
    );
  });

  it('explains a flagged call on hover: the rule, the chain and the alternative', async () => {
    const hover = await client.hover(app, 7, 5);
    assert.ok(hover, 'a hover on fetch()');
    const text = (hover.contents as MarkupContent).value;
    assert.match(text, /CORO120/);
    assert.match(text, /util\.py:5/);
    assert.match(text, /requests\.get/);
    assert.match(text, /docs\/rules\/CORO120\.md/);
    const sleep = await client.hover(app, 6, 6);
    assert.match((sleep!.contents as MarkupContent).value, /asyncio\.sleep/, 'the alternative for the file\'s framework');
    assert.equal(await client.hover(app, 0, 2), null, 'no hover away from findings');
  });

  it('indexes a workspace folder added later, with that folder\'s pyproject.toml', async () => {
    const second = makeWorkspace(SECOND_FOLDER);
    try {
      const progressBefore = client.progress.size;
      await client.changeFolders([second.root]);
      await client.waitFor(
        () => [...client.progress.values()].slice(progressBefore).some((values) => values.some((v) => v.kind === 'end')),
        'the index of the added folder',
      );
      await client.open(second.uri('jobs.py'), SECOND_FOLDER['jobs.py'], 1);
      const diagnostics = await client.diagnosticsFor(second.uri('jobs.py'), 1);
      assert.deepEqual(diagnostics.map((d) => d.code), ['ASYNC221'], 'ASYNC251 is ignored by the folder\'s pyproject.toml');
      await client.close(second.uri('jobs.py'));
    } finally {
      second.remove();
    }
  });
});
