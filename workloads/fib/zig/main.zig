//! wasmbench workload "fib" (Zig): a pure compute kernel (calls + integer adds).
//!
//! Input:  env INPUT = n, a decimal integer 0..93 (if unset: 37).
//! Output: "fib(<n>) = <fib(n)>\n", fib(0) = 0, fib(1) = 1, unsigned 64-bit.
//! Exit:   0 on success; 2 (message on stderr) if INPUT is not a decimal integer in 0..93.
//! Naive doubly recursive on purpose; n is only known at run time.
const std = @import("std");

const default_n: u32 = 37;
const max_n: u32 = 93;

noinline fn fib(n: u32) u64 {
    if (n < 2) return n;
    return fib(n - 1) + fib(n - 2);
}

/// Strict decimal parse: digits only, no sign, no spaces, value <= max.
fn parseU32(s: []const u8, max: u32) ?u32 {
    if (s.len == 0) return null;
    var v: u32 = 0;
    for (s) |c| {
        if (c < '0' or c > '9') return null;
        const d: u32 = c - '0';
        if (v > (max - d) / 10) return null;
        v = v * 10 + d;
    }
    return v;
}

pub fn main(init: std.process.Init) u8 {
    const io = init.io;
    var n = default_n;
    if (init.environ_map.get("INPUT")) |input| {
        n = parseU32(input, max_n) orelse {
            var buf: [256]u8 = undefined;
            var stderr = std.Io.File.stderr().writerStreaming(io, &buf);
            stderr.interface.print("fib: INPUT must be a decimal integer in 0..{d}, got \"{s}\"\n", .{ max_n, input }) catch {};
            stderr.interface.flush() catch {};
            return 2;
        };
    }
    var out_buf: [128]u8 = undefined;
    var stdout = std.Io.File.stdout().writerStreaming(io, &out_buf);
    stdout.interface.print("fib({d}) = {d}\n", .{ n, fib(n) }) catch return 1;
    stdout.interface.flush() catch return 1;
    return 0;
}
