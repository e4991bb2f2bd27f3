//! An OCI bundle for one cell: `config.json` from `runc spec` (this runc's defaults:
//! namespaces, masked paths, capabilities), adjusted: the workload's command, env and
//! working directory, a read-only root holding only the binary, the workload folder
//! bind-mounted read-only, no terminal.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{json, Value};
use wasmbench_data::ErrorKind;

use super::{bundles_root, id_prefix, janitor, state_root};
use crate::failure::{io_failure, Failure};
use crate::process_backend::{native, ProcessCell};

/// Cells given a bundle so far in this process (names them).
static SEQUENCE: AtomicUsize = AtomicUsize::new(0);
/// Where the workload's folder appears in the container (its working directory).
const WORK: &str = "/work";

/// A bundle on disk, removed on drop; its containers are named `<id>-<sample>`.
pub struct Bundle {
    dir: PathBuf,
    id: String,
}

impl Bundle {
    pub fn create(cell: &ProcessCell, _scratch: &Path) -> Result<Bundle, Failure> {
        janitor::ensure()?;
        let seq = SEQUENCE.fetch_add(1, Ordering::Relaxed);
        let dir = bundles_root().join(format!("{}-{seq}", std::process::id()));
        let bundle = Bundle { id: format!("{}{seq}", id_prefix(std::process::id())), dir };
        let rootfs = bundle.dir.join("rootfs");
        std::fs::create_dir_all(&rootfs).map_err(|e| io_failure("creating bundle", &rootfs, e))?;
        let binary = native::binary(cell)?;
        std::fs::copy(binary, rootfs.join("fn")).map_err(|e| io_failure("copying into the bundle", binary, e))?;
        let out = Command::new("runc")
            .arg("spec")
            .arg("--bundle")
            .arg(&bundle.dir)
            .output()
            .map_err(|e| Failure::harness(format!("running `runc spec`: {e}")))?;
        if !out.status.success() {
            return Err(Failure::harness(format!("`runc spec` failed: {}", String::from_utf8_lossy(&out.stderr).trim())));
        }
        let path = bundle.dir.join("config.json");
        let text = std::fs::read_to_string(&path).map_err(|e| io_failure("reading", &path, e))?;
        let mut config: Value = serde_json::from_str(&text).map_err(|e| Failure::harness(format!("{}: {e}", path.display())))?;
        adjust(&mut config, cell)?;
        std::fs::write(&path, config.to_string()).map_err(|e| io_failure("writing", &path, e))?;
        Ok(bundle)
    }

    /// `runc run` of sample `n`, fd 3 preserved for the side channel.
    pub fn command(&self, n: usize) -> Command {
        let mut command = Command::new("runc");
        command.env_clear().env("PATH", std::env::var_os("PATH").unwrap_or_default());
        command.arg("--root").arg(state_root()).arg("run").arg("--bundle").arg(&self.dir);
        command.arg("--preserve-fds").arg("1").arg(self.container(n));
        command
    }

    /// Remove sample `n`'s container if it is still there (a killed or timed-out runc).
    pub fn after(&self, n: usize) {
        if state_root().join(self.container(n)).exists() {
            super::sweep::delete(&self.container(n));
        }
    }

    fn container(&self, n: usize) -> String {
        format!("{}-{n}", self.id)
    }
}

impl Drop for Bundle {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The cell's process, root and mounts in runc's default configuration.
fn adjust(config: &mut Value, cell: &ProcessCell) -> Result<(), Failure> {
    let cwd = match cell.workload.preopens.as_slice() {
        [] => "/",
        [p] if p.guest == "." => WORK,
        _ => return Err(Failure::new(ErrorKind::Unsupported, "a container gets one folder, as `.`")),
    };
    let mut args = vec![Value::from("/fn")];
    args.extend(cell.workload.args.iter().map(|a| Value::from(a.as_str())));
    let env: Vec<Value> = cell.workload.env.iter().map(|(k, v)| Value::from(format!("{k}={v}"))).collect();
    config["process"]["terminal"] = json!(false);
    config["process"]["args"] = Value::Array(args);
    config["process"]["env"] = Value::Array(env);
    config["process"]["cwd"] = json!(cwd);
    config["root"] = json!({ "path": "rootfs", "readonly": true });
    if let Some(p) = cell.workload.preopens.first() {
        let mount = json!({ "destination": WORK, "type": "bind", "source": p.host,
                            "options": ["rbind", "ro", "nosuid", "nodev"] });
        match config["mounts"].as_array_mut() {
            Some(mounts) => mounts.push(mount),
            None => config["mounts"] = json!([mount]),
        }
    }
    Ok(())
}
