/**
 * Retries a failing operation with exponential back-off. Only errors the caller calls transient are
 * retried; the last error is rethrown as is.
 */
export type Sleep = (ms: number) => Promise<void>;

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export interface RetryOptions {
  attempts: number;
  /** Delay before the second attempt; doubled each time. */
  baseDelayMs: number;
  sleep: Sleep;
  isTransient: (error: unknown) => boolean;
  onRetry?: (error: unknown, attempt: number) => void;
}

export async function withRetries<T>(
  operation: (attempt: number) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  for (let attempt = 1;; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (attempt >= options.attempts || !options.isTransient(error)) throw error;
      options.onRetry?.(error, attempt);
      await options.sleep(options.baseDelayMs * 2 ** (attempt - 1));
    }
  }
}
