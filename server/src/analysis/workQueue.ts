/**
 * A list of work items shared by threads through a SharedArrayBuffer, with no messages while it
 * is worked off. The items are cut into one contiguous region per thread; a thread takes items
 * from the front of its own region (neighbouring files share most of what they resolve into, so
 * each thread's memoised work serves its next file), and when that is empty takes from the back
 * of the region with the most items left, so no thread idles while another has work.
 */

export class WorkQueue {
  /** Each region is one Int32: its next item in the high 16 bits, its end in the low 16 bits. */
  static readonly MAX_ITEMS = 0xffff;
  private readonly regions: Int32Array;

  /** `shared` is the buffer of `WorkQueue.create` (possibly in another thread). */
  constructor(shared: SharedArrayBuffer) {
    this.regions = new Int32Array(shared);
  }

  /** A buffer for `items` items cut into `threads` regions of (nearly) equal size. */
  static create(items: number, threads: number): SharedArrayBuffer {
    if (items > WorkQueue.MAX_ITEMS) throw new RangeError(`a work queue holds at most ${WorkQueue.MAX_ITEMS} items`);
    const shared = new SharedArrayBuffer(threads * Int32Array.BYTES_PER_ELEMENT);
    const regions = new Int32Array(shared);
    for (let t = 0; t < threads; t++) regions[t] = pack(Math.floor((items * t) / threads), Math.floor((items * (t + 1)) / threads));
    return shared;
  }

  /** The next item for thread `thread`, or undefined when every region is empty. */
  take(thread: number): number | undefined {
    const own = this.claim(thread, false);
    if (own !== undefined) return own;
    for (;;) {
      let fullest = -1;
      let most = 0;
      for (let r = 0; r < this.regions.length; r++) {
        const left = remaining(Atomics.load(this.regions, r));
        if (left > most) [fullest, most] = [r, left];
      }
      if (fullest < 0) return undefined;
      const stolen = this.claim(fullest, true);
      if (stolen !== undefined) return stolen;
    }
  }

  private claim(region: number, fromBack: boolean): number | undefined {
    for (;;) {
      const packed = Atomics.load(this.regions, region);
      const next = packed >>> 16;
      const end = packed & 0xffff;
      if (next >= end) return undefined;
      const updated = fromBack ? pack(next, end - 1) : pack(next + 1, end);
      if (Atomics.compareExchange(this.regions, region, packed, updated) === packed) return fromBack ? end - 1 : next;
    }
  }
}

function pack(next: number, end: number): number {
  return ((next << 16) | end) | 0;
}

function remaining(packed: number): number {
  return Math.max(0, (packed & 0xffff) - (packed >>> 16));
}
