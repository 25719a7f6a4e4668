import type { AttemptTimeout } from './attempt-timeout.js';
import type { TimerHandle } from './ports.js';

/**
 * What can stop each task's attempt, by task index: the abort controller of the launched attempt,
 * its timeout clock, and the task's one timer (a retry's delay, or the grace an aborted attempt has
 * to settle). Once an attempt ends, nothing of it can fire.
 */
export class AttemptControls {
  private readonly controllers: (AbortController | undefined)[];
  private readonly timeouts: (AttemptTimeout | undefined)[];
  private readonly timers: (TimerHandle | undefined)[];

  constructor(taskCount: number) {
    this.controllers = new Array<AbortController | undefined>(taskCount);
    this.timeouts = new Array<AttemptTimeout | undefined>(taskCount);
    this.timers = new Array<TimerHandle | undefined>(taskCount);
  }

  /** Whether the task's current attempt was launched (or its launch failed) and has not ended. */
  isLaunched(index: number): boolean {
    return this.controllers[index] !== undefined;
  }

  /** Whether the task's launched attempt was aborted. */
  isAborted(index: number): boolean {
    return this.controllers[index]?.signal.aborted === true;
  }

  /** The attempt is launched: the controller its work listens to. */
  launch(index: number): AbortController {
    const controller = new AbortController();
    this.controllers[index] = controller;
    return controller;
  }

  /** The launched attempt's timeout clock. */
  setTimeout(index: number, timeout: AttemptTimeout): void {
    this.timeouts[index] = timeout;
  }

  /** Sets the task's timer (a retry's delay, an abort's grace), cancelling the one it had. */
  setTimer(index: number, timer: TimerHandle): void {
    this.timers[index]?.cancel();
    this.timers[index] = timer;
  }

  /** The task's timer fired: its handle is spent. */
  forgetTimer(index: number): void {
    this.timers[index] = undefined;
  }

  /** The task's timer must not fire. */
  clearTimer(index: number): void {
    this.timers[index]?.cancel();
    this.timers[index] = undefined;
  }

  /**
   * Aborts the launched attempt with `reason`, stopping its timeout and timer; false if it was not
   * launched or is already aborted.
   */
  abort(index: number, reason: unknown): boolean {
    const controller = this.controllers[index];
    if (controller === undefined || controller.signal.aborted) return false;
    this.timeouts[index]?.cancel();
    this.timeouts[index] = undefined;
    this.clearTimer(index);
    controller.abort(reason);
    return true;
  }

  /** The attempt ended: stops its timeout and timer, and hands back its controller. */
  end(index: number): AbortController | undefined {
    const controller = this.controllers[index];
    this.controllers[index] = undefined;
    this.clearTimer(index);
    this.timeouts[index]?.cancel();
    this.timeouts[index] = undefined;
    return controller;
  }

  /** The run broke: every timer and timeout clock is cancelled and every launched attempt aborted with `reason`. */
  abortAll(reason: unknown): void {
    for (let index = 0; index < this.controllers.length; index++) {
      this.clearTimer(index);
      this.timeouts[index]?.cancel();
      this.timeouts[index] = undefined;
      this.controllers[index]?.abort(reason);
    }
  }
}
