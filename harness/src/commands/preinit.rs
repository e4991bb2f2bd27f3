//! `wasmbench preinit`: pre-initialize a module with Wizer (see
//! `wasmbench_runtimes::preinit`): run its initialisation export once and write the
//! initialised state out as a new module that every backend runs.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::Args;

use super::SUCCESS;

#[derive(Args)]
pub struct PreinitArgs {
    /// The module to pre-initialize
    pub input: PathBuf,
    /// Where to write the snapshot (written whole, or not at all)
    #[arg(short, long)]
    pub output: PathBuf,
    /// The export to run before the snapshot
    #[arg(long, default_value = "wizer-initialize")]
    pub init_func: String,
    /// Rename an export in the snapshot, NEW=OLD (repeatable). Default: `_start=wizer.resume`
    /// when the module exports `wizer.resume`, so the entry point does not run the
    /// constructors a second time
    #[arg(long = "rename", value_name = "NEW=OLD", value_parser = parse_rename)]
    pub renames: Vec<(String, String)>,
    /// Wall-clock bound of the initialisation, in seconds
    #[arg(long, default_value_t = 60.0)]
    pub deadline: f64,
}

fn parse_rename(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((new, old)) if !new.is_empty() && !old.is_empty() => Ok((new.to_string(), old.to_string())),
        _ => Err(format!("`{s}` is not NEW=OLD (two export names joined by `=`)")),
    }
}

#[cfg(feature = "wasmtime")]
pub fn execute(args: PreinitArgs) -> Result<u8> {
    use wasmbench_runtimes::preinit::{preinitialize, Preinit};

    if !(args.deadline.is_finite() && args.deadline > 0.0) {
        bail!("--deadline must be a positive number of seconds, got {}", args.deadline);
    }
    let wasm = std::fs::read(&args.input).with_context(|| format!("reading {}", args.input.display()))?;
    let options = Preinit {
        init_func: args.init_func,
        renames: (!args.renames.is_empty()).then_some(args.renames),
        deadline: Duration::from_secs_f64(args.deadline),
        ..Preinit::default()
    };
    let snapshot = preinitialize(&wasm, &options).with_context(|| format!("pre-initializing {}", args.input.display()))?;
    write_whole(&args.output, &snapshot.wasm)?;
    let renames: Vec<String> = snapshot.renames.iter().map(|(new, old)| format!("{new} = {old}")).collect();
    eprintln!(
        "wasmbench preinit: {} ({} bytes) -> {} ({} bytes): {} ran in {:.1} ms{}",
        args.input.display(),
        wasm.len(),
        args.output.display(),
        snapshot.wasm.len(),
        options.init_func,
        snapshot.init_time.as_secs_f64() * 1e3,
        if renames.is_empty() { String::new() } else { format!("; {}", renames.join(", ")) }
    );
    Ok(SUCCESS)
}

#[cfg(not(feature = "wasmtime"))]
pub fn execute(_args: PreinitArgs) -> Result<u8> {
    bail!("wasmbench was built without the `wasmtime` feature, which pre-initialization runs in")
}

/// Write through a temporary file beside `path`, then rename: a failure never leaves a
/// truncated module where a good one was.
#[cfg(feature = "wasmtime")]
fn write_whole(path: &std::path::Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => std::path::Path::new("."),
    };
    let mut file = tempfile::NamedTempFile::new_in(dir).with_context(|| format!("creating a file in {}", dir.display()))?;
    file.write_all(bytes).with_context(|| format!("writing {}", path.display()))?;
    file.persist(path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}
