import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activateExtension, EXTENSION_ID, extensionLog, openWorkspaceFile, screenshot, selection, waitFor } from '../support/workbench';

describe('the extension installed from the VSIX', () => {
  it('is the packaged build, not the repository', () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} must be installed`);
    assert.ok(!extension.extensionPath.startsWith(selection().workspace), 'loaded from the workspace');
    assert.match(extension.extensionPath, /extensions/, `unexpected extension path ${extension.extensionPath}`);
  });

  it('activates when a Python file opens and registers its commands', async () => {
    await openWorkspaceFile('asyncio_app/server.py');
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    await waitFor(() => extension?.isActive, 'activation on a Python file');
    const commands = await vscode.commands.getCommands(true);
    for (const command of ['coroutineLens.restartServer', 'coroutineLens.showLog']) {
      assert.ok(commands.includes(command), `command ${command} is not registered`);
    }
  });

  it('opens a Python file with the language server running and no errors in its log', async () => {
    const api = await activateExtension();
    const log = await waitFor(() => {
      const text = extensionLog(api);
      return text.includes('language server started') ? text : undefined;
    }, 'the language server to start');
    const errors = log.split('\n').filter((line) => /\[error\]/i.test(line));
    assert.deepEqual(errors, [], 'errors in the extension log');
    await screenshot('activation');
  });
});
