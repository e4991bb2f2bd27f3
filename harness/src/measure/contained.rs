//! WebAssembly in a container (the Docker+Wasm / runwasi deployment): `wasmbench worker`
//! for one in-process backend, run by `runc` in a bundle of its own per request. The
//! root is read-only and holds nothing but mount points: the host's `/usr` and `/etc`
//! (the worker's shared libraries), the worker executable's folder and the source checkout
//! (V8's shim and libnode), and each file and folder the
//! request names (module, input, expected output, preopens; the AOT artifact's folder
//! writable) bind-mounted read-only at the same path, a fresh tmpfs at `/tmp`. The
//! request goes in on stdin as for any worker; the cell's `process` phase is `runc run`
//! from spawn to exit, so the container's share of a cold start is `process` minus what
//! the same backend's uncontained worker takes.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{json, Value};

use super::client::{ask_with, Answer};
use crate::process_backend::container::{bundles_root, id_prefix, janitor, state_root, sweep};
use crate::failure::{io_failure, Failure};
use crate::protocol::Request;

static SEQUENCE: AtomicUsize = AtomicUsize::new(0);

/// Run `request` in a worker (`exe worker`) inside a fresh container.
pub fn ask(exe: &Path, request: &Request, timeout: std::time::Duration) -> Result<Answer, Failure> {
    janitor::ensure()?;
    let request = &absolute(request)?;
    let seq = SEQUENCE.fetch_add(1, Ordering::Relaxed);
    let dir = bundles_root().join(format!("{}-w{seq}", std::process::id()));
    let id = format!("{}w{seq}", id_prefix(std::process::id()));
    let result = (|| {
        make(&dir, exe, request)?;
        let mut command = Command::new("runc");
        command.env_clear().env("PATH", std::env::var_os("PATH").unwrap_or_default());
        command.arg("--root").arg(state_root()).arg("run").arg("--bundle").arg(&dir).arg(&id);
        ask_with(command, &format!("worker in container {id}"), request, timeout)
    })();
    if state_root().join(&id).exists() {
        sweep::delete(&id);
    }
    let _ = std::fs::remove_dir_all(&dir);
    result
}

/// `request` with absolute paths: the container's worker starts in `/`, and a bind
/// mount's destination must be absolute (the default manifest's paths are relative).
fn absolute(request: &Request) -> Result<Request, Failure> {
    let abs = |p: &PathBuf| std::path::absolute(p).map_err(|e| io_failure("locating", p, e));
    let mut r = request.clone();
    r.module = abs(&r.module)?;
    r.expected_stdout = abs(&r.expected_stdout)?;
    r.stdin = r.stdin.as_ref().map(abs).transpose()?;
    r.expected_stderr = r.expected_stderr.as_ref().map(abs).transpose()?;
    r.artifact = r.artifact.as_ref().map(abs).transpose()?;
    for p in &mut r.preopens {
        p.host = abs(&p.host)?;
    }
    Ok(r)
}

/// The bundle: `runc spec`'s defaults, the worker as process, the mounts above.
fn make(dir: &Path, exe: &Path, request: &Request) -> Result<(), Failure> {
    let rootfs = dir.join("rootfs");
    std::fs::create_dir_all(&rootfs).map_err(|e| io_failure("creating bundle", &rootfs, e))?;
    for (link, target) in [("bin", "usr/bin"), ("lib", "usr/lib"), ("lib64", "usr/lib64"), ("sbin", "usr/sbin")] {
        std::os::unix::fs::symlink(target, rootfs.join(link)).map_err(|e| io_failure("linking", &rootfs.join(link), e))?;
    }
    let config = dir.join("config.json");
    let out = Command::new("runc").arg("spec").arg("--bundle").arg(dir).output();
    match out {
        Ok(o) if o.status.success() => {}
        Ok(o) => return Err(Failure::harness(format!("`runc spec` failed: {}", String::from_utf8_lossy(&o.stderr).trim()))),
        Err(e) => return Err(Failure::harness(format!("running `runc spec`: {e}"))),
    }
    let text = std::fs::read_to_string(&config).map_err(|e| io_failure("reading", &config, e))?;
    let mut spec: Value = serde_json::from_str(&text).map_err(|e| Failure::harness(format!("{}: {e}", config.display())))?;
    spec["process"]["terminal"] = json!(false);
    spec["process"]["args"] = json!([exe, "worker"]);
    spec["process"]["env"] = json!(["PATH=/usr/bin:/bin"]);
    spec["process"]["cwd"] = json!("/");
    spec["root"] = json!({ "path": "rootfs", "readonly": true });
    let mounts = spec["mounts"].as_array_mut().ok_or_else(|| Failure::harness("runc spec without mounts"))?;
    mounts.push(json!({ "destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev", "mode=1777"] }));
    for (path, writable) in binds(exe, request) {
        let mode = if writable { "rw" } else { "ro" };
        mounts.push(json!({ "destination": path, "type": "bind", "source": path, "options": ["rbind", mode] }));
    }
    std::fs::write(&config, spec.to_string()).map_err(|e| io_failure("writing", &config, e))
}

/// What the worker reads (read-only) and writes (the artifact's folder).
fn binds(exe: &Path, request: &Request) -> Vec<(PathBuf, bool)> {
    // The executable's folder: it holds the build's out folders (V8's shim is loaded from
    // there at run time) as well as the executable.
    let exe_dir = exe.parent().unwrap_or(exe).to_path_buf();
    let mut binds = vec![(PathBuf::from("/usr"), false), (PathBuf::from("/etc"), false), (exe_dir, false)];
    // The source checkout (V8's shim finds libnode through an rpath into its `.tools/`),
    // and `.tools/libnode` itself where it is a link to another checkout's.
    let checkout = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    for dir in [checkout.clone(), checkout.join(".tools/libnode")] {
        if let Ok(real) = dir.canonicalize() {
            binds.push((real, false));
        }
    }
    let files = [Some(&request.module), request.stdin.as_ref(), Some(&request.expected_stdout), request.expected_stderr.as_ref()];
    binds.extend(files.into_iter().flatten().filter(|p| p.exists()).map(|p| (p.clone(), false)));
    binds.extend(request.preopens.iter().map(|p| (p.host.clone(), false)));
    if let Some(dir) = request.artifact.as_ref().and_then(|a| a.parent()) {
        binds.push((dir.to_path_buf(), true));
    }
    binds
}
