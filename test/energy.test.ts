import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readPower, startEnergyMeter } from "../src/energy/meter.js";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A fake `nvidia-smi` on the PATH printing one power.draw line per GPU. */
function fakeNvidiaSmi(lines: string): NodeJS.ProcessEnv {
  const dir = mkdtempSync(join(tmpdir(), "nightshift-smi-"));
  dirs.push(dir);
  writeFileSync(join(dir, "nvidia-smi"), `#!/bin/sh\nprintf '${lines}'\n`);
  chmodSync(join(dir, "nvidia-smi"), 0o755);
  return { PATH: `${dir}:${process.env.PATH}` };
}

const COMMAND = ["nvidia-smi", "--query-gpu=power.draw", "--format=csv,noheader,nounits"];

describe("energy meter", () => {
  it("sums the draw of every GPU", async () => {
    expect(await readPower(COMMAND, fakeNvidiaSmi("150.5\\n149.5\\n"))).toBe(300);
  });

  it("integrates power over time into watt-hours", async () => {
    let clock = 0;
    const meter = startEnergyMeter(COMMAND, 60_000, { env: fakeNvidiaSmi("360\\n"), now: () => clock });
    await new Promise((r) => setTimeout(r, 100));
    clock = 3_600_000 / 10; // six minutes later at 360 W: 36 Wh
    expect(await meter.stop()).toBeCloseTo(36, 5);
  });

  it("says unknown, never a guess, without a meter", async () => {
    const meter = startEnergyMeter(["nvidia-smi-not-installed"], 50);
    await new Promise((r) => setTimeout(r, 120));
    expect(meter.wattHours()).toBeUndefined();
    expect(await meter.stop()).toBeUndefined();
    expect(await readPower(COMMAND, fakeNvidiaSmi("N/A\\n"))).toBeUndefined();
  });
});
