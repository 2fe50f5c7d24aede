/**
 * Standalone entry of the debug adapter: DAP over stdio, or over TCP with `--server=PORT`
 * (for developing the adapter while VS Code connects to it). The extension runs the same
 * session inline instead (client/src/debugging).
 */
import { CoroutineLensSession } from './session';

CoroutineLensSession.run(CoroutineLensSession);
