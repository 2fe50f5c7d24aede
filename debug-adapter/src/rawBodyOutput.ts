/**
 * Lets the session answer a DAP request with a body that is already JSON text (the agent's
 * coroutine tree, megabytes of it) without parsing it and serialising it again.
 *
 * The DAP library serialises every message itself and writes it, framed, in one call:
 * `Content-Length: N\r\n\r\n{json}`. This stream sits between the library and the real output. The
 * session gives the response a placeholder body (`placeholder(text)`); when the framed message
 * holding it passes through, the placeholder is replaced by the text and the length recomputed.
 * Everything else passes through untouched.
 */
import { Writable } from 'node:stream';

const HEADER_END = '\r\n\r\n';

export class RawBodyOutput extends Writable {
  /** Quoted placeholder (as JSON.stringify writes it) → the JSON text that replaces it. */
  private readonly pending = new Map<string, string>();
  private nextId = 1;

  constructor(private readonly output: NodeJS.WritableStream) {
    super({ decodeStrings: false });
    output.on('error', (error: Error) => this.destroy(error));
  }

  /** A value to use as a response body; the message that carries it goes out with `json` instead. */
  placeholder(json: string): string {
    const marker = `\u0000coroutine-lens-raw-body-${this.nextId++}`;
    this.pending.set(JSON.stringify(marker), json);
    return marker;
  }

  override _write(chunk: string | Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    const text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    for (const [quoted, json] of this.pending) {
      const at = text.indexOf(quoted);
      if (at < 0) continue;
      this.pending.delete(quoted);
      const bodyStart = text.indexOf(HEADER_END) + HEADER_END.length;
      const before = text.slice(bodyStart, at);
      const after = text.slice(at + quoted.length);
      const length = Buffer.byteLength(before) + Buffer.byteLength(json) + Buffer.byteLength(after);
      this.output.write(`Content-Length: ${length}${HEADER_END}${before}`);
      this.output.write(json);
      this.output.write(after, () => done());
      return;
    }
    this.output.write(text, () => done());
  }

  override _final(done: (error?: Error | null) => void): void {
    this.output.end(() => done());
  }
}
