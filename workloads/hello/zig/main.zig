//! wasmbench workload "hello" (Zig): a function whose cost is almost all start-up.
//!
//! Input:  env INPUT (any text; if unset, "world"), stdin (any bytes, possibly empty).
//! Output: "Hello, <INPUT>!\n" "stdin: <N> bytes\n" then the N stdin bytes verbatim.
//! Exit:   0 on success, 1 if reading stdin or writing stdout fails.
const std = @import("std");

pub fn main(init: std.process.Init) u8 {
    const io = init.io;
    const name = init.environ_map.get("INPUT") orelse "world";

    var in_buf: [4096]u8 = undefined;
    var stdin = std.Io.File.stdin().readerStreaming(io, &in_buf);
    const data = stdin.interface.allocRemaining(init.gpa, .unlimited) catch {
        fail(io, "hello: reading stdin\n");
        return 1;
    };

    var out_buf: [4096]u8 = undefined;
    var stdout = std.Io.File.stdout().writerStreaming(io, &out_buf);
    const w = &stdout.interface;
    w.print("Hello, {s}!\nstdin: {d} bytes\n", .{ name, data.len }) catch return ioError(io);
    w.writeAll(data) catch return ioError(io);
    w.flush() catch return ioError(io);
    return 0;
}

fn ioError(io: std.Io) u8 {
    fail(io, "hello: writing stdout\n");
    return 1;
}

fn fail(io: std.Io, msg: []const u8) void {
    var buf: [256]u8 = undefined;
    var stderr = std.Io.File.stderr().writerStreaming(io, &buf);
    stderr.interface.writeAll(msg) catch {};
    stderr.interface.flush() catch {};
}
