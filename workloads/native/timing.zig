//! wasmbench native timing wrapper for Zig workloads: the root module of the native build,
//! with the workload's main.zig imported as module "workload" (zig build-exe --dep
//! workload -Mroot=native/timing.zig -Mworkload=<name>/zig/main.zig).
//!
//! Contract (the harness relies on it): CLOCK_MONOTONIC is read right before the
//! workload's main and right after it returns; only if fd 3 is open and is a pipe, exactly
//! one line "wasmbench-execute-ns <N>\n" is written to it, once. Nothing goes to stdout or
//! stderr; the exit code is the workload's. Zig workloads return their exit code from main:
//! without libc, std.process.exit is a bare exit syscall with no atexit hook, so a workload
//! that called it would report no line.
//!
//! wasmbench_measured_main is never inlined and only calls the workload's main, so that
//! `valgrind --tool=callgrind --toggle-collect='*wasmbench_measured_main*'` counts the
//! instructions of the execute phase alone (std's start-up code, which builds `init`,
//! runs before it).
const std = @import("std");
const linux = std.os.linux;
const workload = @import("workload");

pub fn main(init: std.process.Init) u8 {
    var started: linux.timespec = undefined;
    var finished: linux.timespec = undefined;
    _ = linux.clock_gettime(.MONOTONIC, &started);
    const rc = wasmbench_measured_main(init);
    _ = linux.clock_gettime(.MONOTONIC, &finished);
    report(started, finished);
    return rc;
}

noinline fn wasmbench_measured_main(init: std.process.Init) u8 {
    const rc = workload.main(init);
    // Code after the call: it cannot become a tail jump, which callgrind would not see as
    // a call from here.
    std.mem.doNotOptimizeAway(rc);
    return rc;
}

fn report(started: linux.timespec, finished: linux.timespec) void {
    var st: linux.Statx = undefined;
    const mask: linux.STATX = .{ .TYPE = true };
    if (linux.errno(linux.statx(3, "", linux.AT.EMPTY_PATH, mask, &st)) != .SUCCESS) return;
    if (!linux.S.ISFIFO(st.mode)) return;
    const ns: u64 = @intCast((finished.sec - started.sec) * std.time.ns_per_s + (finished.nsec - started.nsec));
    var buf: [64]u8 = undefined;
    const line = std.fmt.bufPrint(&buf, "wasmbench-execute-ns {d}\n", .{ns}) catch return;
    _ = linux.write(3, line.ptr, line.len);
}
