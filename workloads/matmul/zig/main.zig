//! wasmbench workload "matmul" (Zig): dense f64 matrix multiply C = A x B (n x n).
//!
//! Input:  env INPUT = n, a decimal integer 1..2048 (if unset: 400).
//! Data:   A[i][j] = ((i*3 + j*5) % 7 - 3) / 4,  B[i][j] = ((i*5 + j*2) % 9 - 4) / 8:
//!         every product and partial sum is exact, so the output is order-independent.
//! Output: "n <n>\ntrace*32 <int>\nchecksum*32 <int>\n" (see ../c/main.c).
//! Exit:   0 on success; 2 (message on stderr) if INPUT is invalid; 1 if out of memory.
const std = @import("std");

const default_n: u32 = 400;
const max_n: u32 = 2048;

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
    var n: usize = default_n;
    if (init.environ_map.get("INPUT")) |input| {
        const v = parseU32(input, max_n) orelse 0;
        if (v == 0) {
            var buf: [256]u8 = undefined;
            var stderr = std.Io.File.stderr().writerStreaming(io, &buf);
            stderr.interface.print("matmul: INPUT must be a decimal integer in 1..{d}, got \"{s}\"\n", .{ max_n, input }) catch {};
            stderr.interface.flush() catch {};
            return 2;
        }
        n = v;
    }
    const gpa = init.gpa;
    const a = gpa.alloc(f64, n * n) catch return 1;
    const b = gpa.alloc(f64, n * n) catch return 1;
    const c = gpa.alloc(f64, n * n) catch return 1;
    @memset(c, 0.0);
    for (0..n) |i| {
        for (0..n) |j| {
            a[i * n + j] = (@as(f64, @floatFromInt((i * 3 + j * 5) % 7)) - 3.0) / 4.0;
            b[i * n + j] = (@as(f64, @floatFromInt((i * 5 + j * 2) % 9)) - 4.0) / 8.0;
        }
    }
    for (0..n) |i| {
        const ci = c[i * n .. (i + 1) * n];
        for (0..n) |k| {
            const aik = a[i * n + k];
            const bk = b[k * n .. (k + 1) * n];
            for (ci, bk) |*cij, bkj| cij.* += aik * bkj;
        }
    }
    var trace: f64 = 0.0;
    var check: f64 = 0.0;
    for (0..n) |i| {
        trace += c[i * n + i];
        for (0..n) |j| check += c[i * n + j] * @as(f64, @floatFromInt((i + 2 * j) % 5 + 1));
    }
    var out_buf: [256]u8 = undefined;
    var stdout = std.Io.File.stdout().writerStreaming(io, &out_buf);
    stdout.interface.print("n {d}\ntrace*32 {d}\nchecksum*32 {d}\n", .{
        n, @as(i64, @intFromFloat(trace * 32.0)), @as(i64, @intFromFloat(check * 32.0)),
    }) catch return 1;
    stdout.interface.flush() catch return 1;
    return 0;
}
