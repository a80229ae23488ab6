/** Waiting for a GPU slot ended because the run was cancelled. */
export class SlotWaitAborted extends Error {
  constructor() {
    super("the run was cancelled while waiting for a GPU slot");
    this.name = "SlotWaitAborted";
  }
}

export interface GpuSlots {
  /** Resolves with a release function once a slot is free (first come, first served). */
  acquire(signal?: AbortSignal): Promise<() => void>;
  /** Runs holding a slot, and runs with a ready workspace waiting for one. */
  busy(): number;
  waiting(): number;
}

/**
 * The GPU slots of one worker process. The worker takes `slots + prepareAhead` runs at once: each clones
 * and runs its setup on the CPU right away, and only the agent phase holds a slot. So while one run uses
 * the GPU, the next runs' workspaces are being prepared, and at most `prepareAhead` ready workspaces wait.
 */
export function createGpuSlots(slots: number): GpuSlots {
  let held = 0;
  const queue: { grant: () => void; signal?: AbortSignal }[] = [];
  const release = () => {
    held--;
    const next = queue.shift();
    if (next) next.grant();
  };
  const grantOnce = () => {
    held++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      release();
    };
  };
  return {
    acquire(signal) {
      if (signal?.aborted) return Promise.reject(new SlotWaitAborted());
      if (held < slots && queue.length === 0) return Promise.resolve(grantOnce());
      return new Promise((resolve, reject) => {
        const entry = {
          signal,
          grant: () => {
            signal?.removeEventListener("abort", onAbort);
            resolve(grantOnce());
          },
        };
        const onAbort = () => {
          const at = queue.indexOf(entry);
          if (at >= 0) queue.splice(at, 1);
          reject(new SlotWaitAborted());
        };
        signal?.addEventListener("abort", onAbort, { once: true });
        queue.push(entry);
      });
    },
    busy: () => held,
    waiting: () => queue.length,
  };
}
