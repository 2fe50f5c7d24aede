/**
 * The `trace` launch option: DAP messages and agent protocol lines, timestamped, appended to one file.
 * Writes are synchronous so a trace of a session that ends abruptly is complete up to its end.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export class TraceLog {
  private constructor(readonly file: string) {}

  /** `true` picks a file in the temp folder; a string is the file to use. */
  static open(setting: true | string): TraceLog {
    const file =
      typeof setting === 'string'
        ? path.resolve(setting)
        : path.join(os.tmpdir(), `coroutine-lens-${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}.log`);
    mkdirSync(path.dirname(file), { recursive: true });
    const log = new TraceLog(file);
    log.write('trace', `Coroutine Lens debug adapter, pid ${process.pid}, node ${process.version}`);
    return log;
  }

  /** `channel` is e.g. 'dap →' (to the client) or 'agent ←' (from the agent). */
  write(channel: string, text: string): void {
    try {
      appendFileSync(this.file, `${new Date().toISOString()} ${channel} ${text}\n`);
    } catch {
      // A trace that cannot be written must not break the debug session.
    }
  }
}
