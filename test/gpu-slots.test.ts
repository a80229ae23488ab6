import { describe, expect, it } from "vitest";
import { SlotWaitAborted, createGpuSlots } from "../src/run/gpu-slots.js";

describe("GPU slots: only the agent phase holds one", () => {
  it("grants up to `slots` at once, then first come, first served as slots are released", async () => {
    const gpu = createGpuSlots(1);
    const order: string[] = [];
    const first = await gpu.acquire();
    const second = gpu.acquire().then((release) => (order.push("second"), release));
    const third = gpu.acquire().then((release) => (order.push("third"), release));
    expect([gpu.busy(), gpu.waiting()]).toEqual([1, 2]);
    first();
    first(); // releasing twice frees one slot, not two
    (await second)();
    (await third)();
    expect(order).toEqual(["second", "third"]);
    expect([gpu.busy(), gpu.waiting()]).toEqual([0, 0]);
  });

  it("a run cancelled while its ready workspace waits leaves the queue; the next one gets the slot", async () => {
    const gpu = createGpuSlots(1);
    const holder = await gpu.acquire();
    const controller = new AbortController();
    const cancelled = gpu.acquire(controller.signal);
    const next = gpu.acquire();
    controller.abort();
    await expect(cancelled).rejects.toBeInstanceOf(SlotWaitAborted);
    expect(gpu.waiting()).toBe(1);
    holder();
    (await next)();
    await expect(gpu.acquire(controller.signal)).rejects.toBeInstanceOf(SlotWaitAborted);
    expect(gpu.busy()).toBe(0);
  });

  it("two slots: two holders at once", async () => {
    const gpu = createGpuSlots(2);
    const a = await gpu.acquire();
    const b = await gpu.acquire();
    expect(gpu.busy()).toBe(2);
    a();
    b();
  });
});
