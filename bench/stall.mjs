// The longest event-loop stall: how long a thread went without running a timer (what a page shows
// as a frozen frame, what a server shows as a late timeout), measured as the largest gap between
// ticks of an interval timer. Used by every scenario whose main thread consumes (S5, the browsers).

export const STALL_TIMER_MS = 10;

/** The longest gap of a STALL_TIMER_MS interval timer between start() and stop(), in ms: how long
 *  the event loop went without running a timer (what a page shows as a frozen frame). */
export function stallMeter() {
  let last = 0, worst = 0, timer;
  const tick = () => {
    const now = performance.now();
    worst = Math.max(worst, now - last);
    last = now;
  };
  return {
    start() {
      last = performance.now();
      worst = 0;
      timer = setInterval(tick, STALL_TIMER_MS);
    },
    stop() {
      clearInterval(timer);
      tick();
      return worst;
    },
  };
}
