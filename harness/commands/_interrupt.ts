// Ctrl-C (or SIGTERM) during a journaled job: the first stops it, keeping every finished line
// in the journal; a second leaves at once (exit 130). `release` takes the handlers off again.

export interface Interrupt {
  signal: AbortSignal;
  release(): void;
}

/** `stopping`: the line printed at the first signal (what is kept, how to go on). */
export function interruptible(stopping: string): Interrupt {
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = () => {
    if (++interrupts > 1) process.exit(130); // the journal is already on disk
    process.stderr.write(`\nmedeval: stopping: ${stopping}\n`);
    controller.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    signal: controller.signal,
    release() {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}
