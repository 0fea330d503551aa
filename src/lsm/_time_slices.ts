// Long work on the main thread in slices: after about a millisecond of work, give the event
// loop a turn, so that a read or write waits at most about that long behind a flush, a
// compaction, a flush's encoding or a scrub.

import { setImmediate } from "node:timers";

/** Work gives the event loop back after this many milliseconds. */
const SLICE_MILLIS = 1;
/** Units of work between two looks at the clock. */
const CLOCK_EVERY = 256;

/** Counts units of work and says when a slice is over. */
export class TimeSlices {
  #count = 0;
  #sliceStart = performance.now();

  /** Counts one unit; true when the slice is over and the caller should `yield()`. */
  due(): boolean {
    return ++this.#count % CLOCK_EVERY === 0 &&
      performance.now() - this.#sliceStart >= SLICE_MILLIS;
  }

  /**
   * Returns to the event loop (a macrotask, so I/O callbacks run too), then starts the next
   * slice. `setImmediate`: a chain of `setTimeout(0)` is clamped to about 2 ms a step here,
   * `setImmediate` costs about 7 µs.
   */
  async yield(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    this.#sliceStart = performance.now();
  }
}
