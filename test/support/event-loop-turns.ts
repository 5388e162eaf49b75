/**
 * Counts turns of the event loop, one setImmediate each, until stopped or until `until()` says so: how often other
 * work got its turn while the code under test ran (issue 15 item 8). A count, not a time, so a slow machine
 * gives the same answer.
 */
export function countTurns(until: () => boolean = () => false): { readonly turns: number; stop(): void } {
  let turns = 0;
  let running = true;
  const tick = () => {
    if (running && until()) running = false;
    if (!running) return;
    turns++;
    setImmediate(tick);
  };
  setImmediate(tick);
  return {
    get turns() {
      return turns;
    },
    stop() {
      running = false;
    },
  };
}
