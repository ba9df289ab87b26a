/**
 * Runs `work` while recording every unhandled promise rejection of the process, and answers what
 * was recorded: a test asserts it is empty (background work must end in a handler).
 */
export async function unhandledRejectionsDuring(work: () => Promise<void>): Promise<unknown[]> {
  const unhandled: unknown[] = [];
  const record = (reason: unknown): void => {
    unhandled.push(reason);
  };
  process.on('unhandledRejection', record);
  try {
    await work();
    // One more turn of the event loop: a rejection left unhandled is reported after the microtasks.
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('unhandledRejection', record);
  }
  return unhandled;
}
