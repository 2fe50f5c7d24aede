/**
 * Standalone entry of the debug adapter: DAP over stdio, or over TCP with `--server=PORT`
 * (for developing the adapter while VS Code connects to it). The extension runs the same
 * session inline instead (client/src/debugging).
 */
import { CoroutineLensSession } from './session';

// SIGTERM is handled by the library (session shutdown). Other ways of being told to stop must also
// run the 'exit' hooks that end a launched program's process group.
for (const signal of ['SIGINT', 'SIGHUP'] as const) process.on(signal, () => process.exit(1));

CoroutineLensSession.run(CoroutineLensSession);
