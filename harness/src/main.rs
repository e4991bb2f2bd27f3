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
    let status = match Cli::parse().command.execute() {
        Ok(status) => i32::from(status),
        Err(e) => {
            eprintln!("error: {e:#}");
            2
        }
    };
    std::process::exit(status);
}
