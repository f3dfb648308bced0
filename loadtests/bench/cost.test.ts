import { writeSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseStraceSummary, readProcIo } from "./cost.js";

// The shape `strace -c -f -o FILE` writes (Debian's strace 6.1), errors column present or not.
const SUMMARY = `% time     seconds  usecs/call     calls    errors syscall
------ ----------- ----------- --------- --------- ------------------
 72.87    0.080857        1304        62         6 futex
 18.11    0.020094        5023         4           epoll_pwait
  2.30    0.002554          51      1050           writev
  0.00    0.000000           0         6           clone3
------ ----------- ----------- --------- --------- ------------------
100.00    0.110966         159      1122         6 total
`;

describe("bench cost probes", () => {
  it("reads calls per syscall from strace's summary, without the total row", () => {
    expect(parseStraceSummary(SUMMARY)).toEqual({
      futex: 62,
      epoll_pwait: 4,
      writev: 1050,
      clone3: 6,
    });
    expect(
      parseStraceSummary("strace: attach: ptrace(PTRACE_SEIZE, 1): Operation not permitted"),
    ).toEqual({});
  });

  it.runIf(process.platform === "linux")(
    "counts this process's write syscalls and bytes from /proc",
    () => {
      const before = readProcIo(process.pid);
      expect(before).toBeDefined();
      for (let i = 0; i < 3; i++) writeSync(process.stderr.fd, "");
      writeSync(process.stderr.fd, " ".repeat(10));
      const after = readProcIo(process.pid);
      expect((after?.syscw ?? 0) - (before?.syscw ?? 0)).toBeGreaterThanOrEqual(4);
      expect((after?.wchar ?? 0) - (before?.wchar ?? 0)).toBeGreaterThanOrEqual(10);
      expect(readProcIo(undefined)).toBeUndefined();
      expect(readProcIo(2 ** 30)).toBeUndefined();
    },
  );
});
