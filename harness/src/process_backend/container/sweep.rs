//! Removing what container runs left behind: containers in wasmbench's runc state folder
//! and bundle folders, of one owner (the janitor, when its run is gone) or of every owner
//! that is no longer running (`wasmbench clean`).

use std::path::Path;
use std::process::{Command, Stdio};

use super::{bundles_root, state_root};

/// What one sweep removed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Swept {
    pub containers: Vec<String>,
    pub bundles: Vec<String>,
}

/// Remove the containers and bundles of `owner`, or of every owner whose process is
/// gone when `owner` is `None`.
pub fn sweep(owner: Option<u32>) -> Swept {
    let mut swept = Swept::default();
    for name in names(&state_root()) {
        if is_swept(&name, "wb-", '-', owner) {
            delete(&name);
            swept.containers.push(name);
        }
    }
    for name in names(&bundles_root()) {
        if is_swept(&name, "", '-', owner) && std::fs::remove_dir_all(bundles_root().join(&name)).is_ok() {
            swept.bundles.push(name);
        }
    }
    swept
}

/// Force-delete one container (kills its processes, removes its state and cgroup).
pub fn delete(id: &str) {
    let _ = Command::new("runc")
        .arg("--root")
        .arg(state_root())
        .args(["delete", "--force", id])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    // A state folder runc no longer recognises (a half-created container) goes too.
    let _ = std::fs::remove_dir_all(state_root().join(id));
}

fn names(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    entries.filter_map(|e| e.ok()?.file_name().into_string().ok()).collect()
}

/// Whether `name` (`<prefix><pid><sep>…`) belongs to `owner`, or to a process that is
/// gone when no owner is given.
fn is_swept(name: &str, prefix: &str, sep: char, owner: Option<u32>) -> bool {
    let Some(pid) = name.strip_prefix(prefix).and_then(|r| r.split(sep).next()).and_then(|p| p.parse::<u32>().ok()) else {
        return false;
    };
    match owner {
        Some(o) => o == pid,
        None => !Path::new(&format!("/proc/{pid}")).exists(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_told_apart_by_owner() {
        assert!(is_swept("wb-42-0-3", "wb-", '-', Some(42)));
        assert!(!is_swept("wb-42-0-3", "wb-", '-', Some(4)));
        assert!(is_swept("42-0", "", '-', Some(42)));
        assert!(!is_swept("other", "", '-', Some(42)));
        // This process is running: never swept as a dead owner.
        assert!(!is_swept(&format!("wb-{}-1-1", std::process::id()), "wb-", '-', None));
    }
}
