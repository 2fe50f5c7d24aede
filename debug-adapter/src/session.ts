/**
 * The DAP session: translates between the Debug Adapter Protocol and the agent protocol
 * (./agentProtocol). It knows DAP; the agent does not.
 */
import { DebugSession } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';

export class CoroutineLensSession extends DebugSession {
  protected override initializeRequest(
    response: DebugProtocol.InitializeResponse,
    _args: DebugProtocol.InitializeRequestArguments,
  ): void {
    response.body = {
      ...response.body,
      supportsConfigurationDoneRequest: true,
    };
    this.sendResponse(response);
  }
}
