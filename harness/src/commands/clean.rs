//! `wasmbench clean`: remove the containers and bundles that `container` cells of runs
//! that are no longer running left behind (a run removes its own as it goes; a janitor
//! removes a killed run's as soon as it is gone; this is the manual sweep).

use anyhow::Result;
use clap::Args;

use super::SUCCESS;
use crate::process_backend::container::{janitor, state_root, bundles_root, sweep};

#[derive(Args)]
pub struct CleanArgs {
    /// Only what this run (process id) left, even if it is still running
    #[arg(long)]
    pub owner: Option<u32>,
    /// Wait until standard input closes first (how a run's janitor waits for the run)
    #[arg(long, hide = true)]
    pub when_stdin_closes: bool,
}

pub fn execute(args: CleanArgs) -> Result<u8> {
    if args.when_stdin_closes {
        janitor::wait_for_owner();
    }
    let swept = sweep::sweep(args.owner);
    eprintln!(
        "wasmbench clean: removed {} container(s) from {} and {} bundle(s) from {}",
        swept.containers.len(),
        state_root().display(),
        swept.bundles.len(),
        bundles_root().display()
    );
    Ok(SUCCESS)
}
