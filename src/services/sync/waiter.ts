import type { Wakeable } from '../notifier.js';

/** A long-poll waiter: resolves true when woken, false at the timeout. */
export class Waiter implements Wakeable {
  private woken = false;
  private resolve?: (woken: boolean) => void;

  wake(): void {
    this.woken = true;
    this.resolve?.(true);
  }

  wait(ms: number): Promise<boolean> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.resolve = undefined;
        resolve(false);
      }, ms);
      this.resolve = (value) => {
        clearTimeout(timer);
        this.resolve = undefined;
        this.woken = false;
        resolve(value);
      };
    });
  }
}
