//! Every function the host provides: all 46 WASI preview1 functions and the two `bench`
//! markers, with their WebAssembly signatures and what each does on this host. The notes
//! are the documented table (`TABLE.md` beside this file is generated from them).

use super::args_env::*;
use super::clocks::*;
use super::descriptors::*;
use super::io::*;
use super::path::*;
use super::poll::poll_oneoff;
use super::process::*;
use super::readdir::fd_readdir;
use super::{Body, HostFn, Ty};

use Ty::{I32, I64};

pub(crate) const WASI_MODULE: &str = "wasi_snapshot_preview1";
pub(crate) const BENCH_MODULE: &str = "bench";

macro_rules! table {
    ($( $module:ident $name:literal ($($p:ident),*) -> ($($r:ident)?) $body:expr, $note:literal; )*) => {
        pub(crate) static FUNCTIONS: &[HostFn] = &[
            $( HostFn {
                module: $module,
                name: $name,
                params: &[$($p),*],
                results: &[$($r)?],
                body: $body as Body,
                note: $note,
            }, )*
        ];
    };
}

const W: &str = WASI_MODULE;
const B: &str = BENCH_MODULE;

table! {
    W "args_get" (I32, I32) -> (I32) args_get, "argv: `module.wasm`, then the input's arguments";
    W "args_sizes_get" (I32, I32) -> (I32) args_sizes_get, "count and total size of argv";
    W "environ_get" (I32, I32) -> (I32) environ_get, "the input's variables only, in order";
    W "environ_sizes_get" (I32, I32) -> (I32) environ_sizes_get, "count and total size of the environment";
    W "clock_res_get" (I32, I32) -> (I32) clock_res_get, "1 ns for realtime (0) and monotonic (1); EINVAL for the CPU-time clocks and others";
    W "clock_time_get" (I32, I64, I32) -> (I32) clock_time_get, "realtime: wall clock; monotonic: since the instance was made; EINVAL for other ids";
    W "fd_advise" (I32, I64, I64, I32) -> (I32) fd_advise, "files, directories: success (advisory); stdio: ESPIPE";
    W "fd_allocate" (I32, I64, I64) -> (I32) fd_allocate, "files, directories: ENOTCAPABLE (read-only); stdio: ESPIPE";
    W "fd_close" (I32) -> (I32) fd_close, "closes any descriptor, stdio and preopens included; EBADF if not open";
    W "fd_datasync" (I32) -> (I32) fd_sync, "files, directories: success (nothing to flush); stdio: EINVAL";
    W "fd_fdstat_get" (I32, I32) -> (I32) fd_fdstat_get, "file type (stdio: unknown, like a pipe), flags, rights (never a right to write to a file)";
    W "fd_fdstat_set_flags" (I32, I32) -> (I32) fd_fdstat_set_flags, "non-blocking accepted (reads never block); append and the sync flags: ENOTCAPABLE";
    W "fd_fdstat_set_rights" (I32, I64, I64) -> (I32) fd_fdstat_set_rights, "drops rights; asking for more: ENOTCAPABLE";
    W "fd_filestat_get" (I32, I32) -> (I32) fd_filestat_get, "files, directories: the host's stat; stdio: all zero";
    W "fd_filestat_set_size" (I32, I64) -> (I32) fd_filestat_set, "files, directories: ENOTCAPABLE; stdio: EINVAL";
    W "fd_filestat_set_times" (I32, I64, I64, I32) -> (I32) fd_filestat_set, "files, directories: ENOTCAPABLE; stdio: EINVAL";
    W "fd_pread" (I32, I32, I32, I64, I32) -> (I32) fd_pread, "files: reads at an offset; directories: EISDIR; stdio: ESPIPE";
    W "fd_prestat_get" (I32, I32) -> (I32) fd_prestat_get, "preopened directories (3, 4, …): a directory and its name's length; any other: EBADF";
    W "fd_prestat_dir_name" (I32, I32, I32) -> (I32) fd_prestat_dir_name, "the preopen's guest path (no NUL); a short buffer: ENAMETOOLONG";
    W "fd_pwrite" (I32, I32, I32, I64, I32) -> (I32) fd_pwrite, "files, directories: EBADF (read-only); stdio: ESPIPE";
    W "fd_read" (I32, I32, I32, I32) -> (I32) fd_read, "stdin: the input's bytes, then end of file; files: reads; directories: EISDIR; stdout/stderr: EBADF";
    W "fd_readdir" (I32, I32, I32, I64, I32) -> (I32) fd_readdir, "`.`, `..`, then the entries by name; cookie = index of the next entry";
    W "fd_renumber" (I32, I32) -> (I32) fd_renumber, "moves a descriptor onto another open one (closing it); EBADF if either is not open";
    W "fd_seek" (I32, I64, I32, I32) -> (I32) fd_seek, "files: set/current/end; directories: EBADF; stdio: ESPIPE";
    W "fd_sync" (I32) -> (I32) fd_sync, "files, directories: success (nothing to flush); stdio: EINVAL";
    W "fd_tell" (I32, I32) -> (I32) fd_tell, "files: the position; directories: EBADF; stdio: ESPIPE";
    W "fd_write" (I32, I32, I32, I32) -> (I32) fd_write, "stdout/stderr: captured; a write past the output cap stops the run (resource limit), nothing of it kept; others: EBADF";
    W "path_create_directory" (I32, I32, I32) -> (I32) path_mutation::<0>, "ENOTCAPABLE on a directory (read-only); ENOTDIR on another descriptor";
    W "path_filestat_get" (I32, I32, I32, I32, I32) -> (I32) path_filestat_get, "the host's stat of a path beneath the directory, following a final symlink if asked";
    W "path_filestat_set_times" (I32, I32, I32, I32, I64, I64, I32) -> (I32) path_mutation::<0>, "ENOTCAPABLE (read-only)";
    W "path_link" (I32, I32, I32, I32, I32, I32, I32) -> (I32) path_two_dirs::<4>, "ENOTCAPABLE (read-only)";
    W "path_open" (I32, I32, I32, I32, I32, I64, I64, I32, I32) -> (I32) path_open, "opens files and directories read-only; create, truncate, exclusive, append or a right to write: ENOTCAPABLE; `..` out, absolute paths, symlinks out: ENOTCAPABLE";
    W "path_readlink" (I32, I32, I32, I32, I32, I32) -> (I32) path_readlink, "a symlink's text, cut to the buffer";
    W "path_remove_directory" (I32, I32, I32) -> (I32) path_mutation::<0>, "ENOTCAPABLE (read-only)";
    W "path_rename" (I32, I32, I32, I32, I32, I32) -> (I32) path_two_dirs::<3>, "ENOTCAPABLE (read-only)";
    W "path_symlink" (I32, I32, I32, I32, I32) -> (I32) path_mutation::<2>, "ENOTCAPABLE (read-only)";
    W "path_unlink_file" (I32, I32, I32) -> (I32) path_mutation::<0>, "ENOTCAPABLE (read-only)";
    W "poll_oneoff" (I32, I32, I32, I32) -> (I32) poll_oneoff, "descriptors always ready; else sleeps until the earliest clock; past the deadline: stops the run (timeout); unknown clock: EINVAL event";
    W "proc_exit" (I32) -> () proc_exit, "ends the run with the exit code (a result, not an error)";
    W "proc_raise" (I32) -> (I32) proc_raise, "ENOSYS";
    W "random_get" (I32, I32) -> (I32) random_get, "the operating system's random bytes (getrandom)";
    W "sched_yield" () -> (I32) sched_yield, "success";
    W "sock_accept" (I32, I32, I32) -> (I32) sock, "ENOTSOCK on an open descriptor (no sockets), EBADF otherwise";
    W "sock_recv" (I32, I32, I32, I32, I32, I32) -> (I32) sock, "ENOTSOCK / EBADF";
    W "sock_send" (I32, I32, I32, I32, I32) -> (I32) sock, "ENOTSOCK / EBADF";
    W "sock_shutdown" (I32, I32) -> (I32) sock, "ENOTSOCK / EBADF";
    B "start" () -> () bench_start, "starts the host-timed region";
    B "end" () -> () bench_end, "ends it; regions add up";
}
