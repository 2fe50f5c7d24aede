/** The Coroutines view's commands: toolbar (refresh, live, filter, export) and context menu. */
import * as vscode from 'vscode';
import type { SourceFrame } from '../../../debug-adapter/src/agentProtocol';
import type { CoroutinesView } from './coroutinesView';
import { copyText, nodeLabel, RECORD_CREATION_STACKS, type TreeNode } from './treeModel';
import { TREE_LANGUAGE } from './treeDocument';
import { treeToText } from './treeText';

async function reveal(frame: SourceFrame): Promise<void> {
  const line = Math.max(0, frame.line - 1);
  const editor = await vscode.window.showTextDocument(vscode.Uri.file(frame.path), { preview: true });
  editor.selection = new vscode.Selection(line, 0, line, 0);
  editor.revealRange(new vscode.Range(line, 0, line, 0), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
}

export function registerCoroutineCommands(view: CoroutinesView): vscode.Disposable[] {
  const session = () => {
    const current = view.currentSession;
    if (!current) void vscode.window.showWarningMessage('Coroutine Lens: no coroutine-lens debug session is running.');
    return current;
  };
  /** Turns recording of where each task is created on or off in the running program (not a setting: the next launch starts as its configuration says). */
  /**
   * A custom request of the view's commands; a refusal (the program ended meanwhile, the agent said
   * no) is shown as what it is, in our words, and the command ends quietly.
   */
  const request = async <T>(debugSession: vscode.DebugSession, command: string, args: object, action: string): Promise<{ body: T } | undefined> => {
    try {
      return { body: (await debugSession.customRequest(command, args)) as T };
    } catch (error) {
      void vscode.window.showErrorMessage(`Coroutine Lens: could not ${action}: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  };
  /** Turns recording of where each task is created on or off in the running program (not a setting: the next launch starts as its configuration says). */
  const recordCreationStacks = async (enabled: boolean) => {
    const debugSession = session();
    if (!debugSession) return;
    const action = enabled ? 'turn task creation stacks on' : 'turn task creation stacks off';
    if (!(await request(debugSession, 'setTaskCreationStacks', { enabled }, action))) return;
    vscode.window.setStatusBarMessage(
      enabled ? 'Coroutine Lens: recording where each task is created, from now on' : 'Coroutine Lens: task creation stacks off',
      5000,
    );
    await view.refresh();
  };
  return [
    vscode.commands.registerCommand('coroutineLens.refreshCoroutines', () => view.refresh()),
    vscode.commands.registerCommand('coroutineLens.liveOn', () => view.setLive(true)),
    vscode.commands.registerCommand('coroutineLens.liveOff', () => view.setLive(false)),
    vscode.commands.registerCommand('coroutineLens.filterCoroutines', async () => {
      const current = view.currentFilter;
      const items = [
        { label: 'Hide finished tasks', key: 'hideDone' as const, picked: current.hideDone },
        { label: 'Hide tasks that run only library code', key: 'hideLibraryOnly' as const, picked: current.hideLibraryOnly },
      ];
      const picked = await vscode.window.showQuickPick(items, { canPickMany: true, title: 'Filter the Coroutines view' });
      if (picked) view.setFilter({ hideDone: picked.some((p) => p.key === 'hideDone'), hideLibraryOnly: picked.some((p) => p.key === 'hideLibraryOnly') });
    }),
    vscode.commands.registerCommand('coroutineLens.exportCoroutines', async () => {
      if (!view.currentTree) await view.refresh();
      const tree = view.currentTree;
      if (!tree) {
        void vscode.window.showWarningMessage('Coroutine Lens: no suspension tree to export (start a coroutine-lens debug session).');
        return undefined;
      }
      const document = await vscode.workspace.openTextDocument({ language: TREE_LANGUAGE, content: treeToText(tree) });
      return vscode.window.showTextDocument(document);
    }),
    vscode.commands.registerCommand(RECORD_CREATION_STACKS, () => recordCreationStacks(true)),
    vscode.commands.registerCommand('coroutineLens.stopRecordingCreationStacks', () => recordCreationStacks(false)),
    vscode.commands.registerCommand('coroutineLens.revealFrame', (node: TreeNode) => (node.kind === 'frame' ? reveal(node.frame) : undefined)),
    vscode.commands.registerCommand('coroutineLens.copyCoroutineNode', (node: TreeNode) => vscode.env.clipboard.writeText(copyText(node))),
    vscode.commands.registerCommand('coroutineLens.cancelTask', async (node: TreeNode) => {
      const debugSession = session();
      if (node.kind !== 'task' || !debugSession) return;
      const answer = await request<{ cancelled: boolean }>(debugSession, 'cancelTask', { taskId: node.task.id }, `cancel ${nodeLabel(node)}`);
      if (!answer) return;
      if (!answer.body.cancelled) void vscode.window.showInformationMessage(`Coroutine Lens: ${nodeLabel(node)} could not be cancelled (already finished?).`);
      await view.refresh();
    }),
    vscode.commands.registerCommand('coroutineLens.showCreationStack', async (node: TreeNode) => {
      const debugSession = session();
      if (node.kind !== 'task' || !debugSession) return;
      let frames: SourceFrame[];
      try {
        ({ frames } = (await debugSession.customRequest('taskCreationStack', { taskId: node.task.id })) as { frames: SourceFrame[] });
      } catch (error) {
        // Not recorded (created while recording was off, or before the agent came), or finished since.
        const recordingOff = view.currentTree?.creationNotRecorded !== undefined;
        const record = 'Record From Now On';
        const choice = await vscode.window.showInformationMessage(
          `Coroutine Lens: where ${nodeLabel(node)} was created is not known: ${error instanceof Error ? error.message : String(error)}`,
          ...(recordingOff ? [record] : []),
        );
        if (choice === record) await recordCreationStacks(true);
        return;
      }
      if (!frames.length) {
        void vscode.window.showInformationMessage(`Coroutine Lens: ${nodeLabel(node)} was created by library code only.`);
        return;
      }
      const picked = await vscode.window.showQuickPick(
        frames.map((frame) => ({ label: frame.name, description: `${frame.path}:${frame.line}`, frame })),
        { title: `${nodeLabel(node)} was created at` },
      );
      if (picked) await reveal(picked.frame);
    }),
  ];
}
