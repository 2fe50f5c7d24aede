// Namespace packages in the language server: app/ has no __init__.py, yet `app.db` is the module
// app/db.py (named from the workspace folder, as Python names it with that folder on sys.path); an
// unsaved edit of that module updates the coroutine that calls it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { coroutineLensServer, LspClient, makeWorkspace } from '../support/lspClient';

const DB_BLOCKING = 'import time\n\n\ndef query():\n    time.sleep(1)\n';
const DB_CLEAN = 'def query():\n    return 1\n';
const MAIN = ['import app.db', 'from app.db import query', '', '', 'async def handler():', '    app.db.query()', '    query()', ''].join('\n');

describe('namespace packages', () => {
  const workspace = makeWorkspace({ 'app/main.py': MAIN, 'app/db.py': DB_BLOCKING });
  const main = workspace.uri('app/main.py');
  const db = workspace.uri('app/db.py');
  let client: LspClient;

  before(async () => {
    client = await LspClient.start(coroutineLensServer(), { root: workspace.root });
    await client.progressEnded();
    await client.open(main, MAIN, 1);
    await client.open(db, DB_BLOCKING, 1);
  });
  after(async () => {
    await client.stop();
    workspace.remove();
  });

  it('resolves a module of a folder without __init__.py, by its attribute and through from-import', async () => {
    const diagnostics = await client.diagnosticsFor(main, 1);
    const flagged = diagnostics.filter((d) => d.code === 'CORO120').map((d) => d.range.start.line);
    assert.deepEqual(flagged, [5, 6], JSON.stringify(diagnostics));
    const chain = diagnostics.find((d) => d.range.start.line === 5)!.relatedInformation ?? [];
    assert.deepEqual(
      chain.map((hop) => [hop.location.uri, hop.location.range.start.line]),
      [
        [main, 5],
        [db, 4],
      ],
    );
  });

  it('clears the callers when an unsaved edit of the namespace module stops it blocking', async () => {
    const seen = client.publications(main);
    await client.change(db, 2, [{ text: DB_CLEAN }]);
    await client.nextDiagnostics(main, seen, (ds) => !ds.some((d) => d.code === 'CORO120'));
  });
});
