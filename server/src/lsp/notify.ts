/**
 * A message for the user: `window/showMessage` (a notification — the server never waits on the
 * user, and a client that cannot show it loses nothing) and the same line in the server log.
 */
import { MessageType, ShowMessageNotification, type Connection } from 'vscode-languageserver/node';

export function tellUser(connection: Connection, type: typeof MessageType.Error | typeof MessageType.Warning, message: string): void {
  if (type === MessageType.Error) connection.console.error(message);
  else connection.console.warn(message);
  void connection.sendNotification(ShowMessageNotification.type, { type, message });
}
