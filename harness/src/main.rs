//! `wasmbench`: measure what it costs to run serverless functions on WebAssembly.
//! The subcommands live in `wasmbench::commands`, one file each.

use clap::Parser;
use wasmbench::commands::Cli;

fn main() {
    // Behave like other command-line tools when the reader of stdout goes away
    // (`wasmbench list | head`): end quietly instead of panicking on a broken pipe.
    // SAFETY: restoring the default disposition of SIGPIPE before any thread is started.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    quiet_library_backtraces();
    let status = match Cli::parse().command.execute() {
        Ok(status) => i32::from(status),
        Err(e) => {
            eprintln!("error: {e:#}");
            2
        }
    };
    std::process::exit(status);
}

/// Error values must not capture backtraces while wasmbench measures. `RUST_BACKTRACE=1`
/// (set on many developer and CI machines for panics) also makes every `anyhow`-style
/// error capture a backtrace when it is created — and a guest's `proc_exit` is such an
/// error in wasmi's WASI (wasi-common): with it, 46% of wasmi's instructions for `hello`
/// went into unwinding (476,580 against 256,680 under callgrind; Wasmtime's exit is not). `RUST_LIB_BACKTRACE=0`
/// turns that off and keeps panic backtraces; a value the user set is left alone. Set here,
/// before any thread exists, so workers and gateways inherit it.
fn quiet_library_backtraces() {
    if std::env::var_os("RUST_LIB_BACKTRACE").is_none() {
        // No other thread exists yet, so nothing reads the environment concurrently.
        std::env::set_var("RUST_LIB_BACKTRACE", "0");
    }
}
