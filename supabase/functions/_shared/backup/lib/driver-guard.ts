/**
 * A guard for one known crash of postgres.js 3.4.9 (porsager/postgres#1208, #1154, #1066, open): when a
 * backend dies while a `begin()` transaction is in flight, the driver sends its ROLLBACK from a
 * setImmediate callback onto the closed socket and throws "Cannot read properties of null (reading
 * 'write')" where no caller can catch it, which would end the whole process (and every run in it).
 * The transaction itself has already failed with CONNECTION_CLOSED through the normal path, so the
 * stray write is moot: this guard swallows exactly that error and lets every other one crash as usual.
 */
export function isDriverNullSocketWrite(error: unknown): boolean {
  if (!(error instanceof TypeError)) return false;
  const stack = error.stack ?? "";
  return /reading 'write'/.test(error.message) && /nextWrite/.test(stack) && /postgres/.test(stack);
}

export function installDriverCrashGuard(log: (message: string) => void): void {
  globalThis.addEventListener("error", (event) => {
    if (isDriverNullSocketWrite(event.error)) {
      event.preventDefault();
      log(
        "Ignored a write on a closed database connection (postgres.js#1208); the affected query already failed",
      );
    }
  });
}
