//! The folder a test runs in: a fresh temporary copy of its root (symlinks copied as
//! symlinks) and of the small files beside the root (which symlinks in the root may point
//! to), without `*.cleanup` files. The guest never sees the user's folder, so a backend
//! that wrongly writes cannot change it; the copy is removed afterwards.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::suite::TestCase;

/// Largest file beside the root that is copied along.
const SIBLING_MAX_BYTES: u64 = 1 << 20;

pub struct Sandbox {
    dir: tempfile::TempDir,
    root: Option<PathBuf>,
}

impl Sandbox {
    /// A fresh sandbox for `test`.
    pub fn new(test: &TestCase) -> Result<Sandbox> {
        let dir = tempfile::Builder::new()
            .prefix("wasmbench-conformance-")
            .tempdir()
            .context("creating a temporary folder for a conformance test")?;
        let (Some(rel), Some(root)) = (&test.spec.root, test.root()) else {
            return Ok(Sandbox { dir, root: None });
        };
        copy_siblings(&test.dir, dir.path())?;
        let copy = dir.path().join(rel);
        copy_tree(&root, &copy)?;
        remove_cleanup(dir.path())?;
        Ok(Sandbox { dir, root: Some(copy) })
    }

    /// The copy of the test's root, preopened as `/`.
    pub fn root(&self) -> Option<&Path> {
        self.root.as_deref()
    }

    /// Where an AOT backend's artifact goes.
    pub fn artifact(&self) -> PathBuf {
        self.dir.path().join("module.artifact")
    }
}

/// The regular files directly in `from` (no modules, none larger than 1 MiB) into `to`.
fn copy_siblings(from: &Path, to: &Path) -> Result<()> {
    for entry in std::fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry.with_context(|| format!("reading {}", from.display()))?;
        let path = entry.path();
        let meta = entry.metadata().with_context(|| format!("reading {}", path.display()))?;
        let module = path.extension().is_some_and(|e| e == "wasm");
        if entry.file_type().is_ok_and(|t| t.is_file()) && !module && meta.len() <= SIBLING_MAX_BYTES {
            std::fs::copy(&path, to.join(entry.file_name()))
                .with_context(|| format!("copying {} into a sandbox", path.display()))?;
        }
    }
    Ok(())
}

/// `from` into `to` (created), recursively; symlinks are recreated with the same target.
fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to).with_context(|| format!("creating {}", to.display()))?;
    for entry in std::fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry.with_context(|| format!("reading {}", from.display()))?;
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        let kind = entry.file_type().with_context(|| format!("reading {}", src.display()))?;
        if kind.is_symlink() {
            let target = std::fs::read_link(&src).with_context(|| format!("reading link {}", src.display()))?;
            std::os::unix::fs::symlink(&target, &dst).with_context(|| format!("creating link {}", dst.display()))?;
        } else if kind.is_dir() {
            copy_tree(&src, &dst)?;
        } else if kind.is_file() {
            std::fs::copy(&src, &dst).with_context(|| format!("copying {}", src.display()))?;
        }
    }
    Ok(())
}

/// Remove every file, link or folder named `*.cleanup` below `dir`.
fn remove_cleanup(dir: &Path) -> Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let entry = entry.with_context(|| format!("reading {}", dir.display()))?;
        let path = entry.path();
        let kind = entry.file_type().with_context(|| format!("reading {}", path.display()))?;
        let cleanup = path.extension().is_some_and(|e| e == "cleanup");
        let removed = match (cleanup, kind.is_dir()) {
            (true, true) => std::fs::remove_dir_all(&path),
            (true, false) => std::fs::remove_file(&path),
            (false, true) => {
                remove_cleanup(&path)?;
                Ok(())
            }
            (false, false) => Ok(()),
        };
        removed.with_context(|| format!("removing {}", path.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conformance::spec::TestSpec;

    #[test]
    fn a_fresh_copy_with_links_and_without_cleanup_files() {
        let src = tempfile::tempdir().expect("tempdir");
        let d = src.path();
        std::fs::create_dir_all(d.join("r.dir/sub/old.cleanup")).expect("mkdir");
        std::fs::write(d.join("r.dir/a.txt"), "a").expect("write");
        std::fs::write(d.join("r.dir/sub/x.cleanup"), "x").expect("write");
        std::os::unix::fs::symlink("../outside.txt", d.join("r.dir/out")).expect("link");
        std::fs::write(d.join("outside.txt"), "secret").expect("write");
        std::fs::write(d.join("t.wasm"), "").expect("write");
        let test = TestCase {
            name: "t".into(),
            wasm: d.join("t.wasm"),
            dir: d.to_path_buf(),
            spec: TestSpec { root: Some("r.dir".into()), ..TestSpec::default() },
        };
        let sandbox = Sandbox::new(&test).expect("sandbox");
        let root = sandbox.root().expect("root").to_path_buf();
        assert_ne!(root, d.join("r.dir"));
        assert_eq!(std::fs::read_to_string(root.join("a.txt")).expect("copied"), "a");
        assert_eq!(std::fs::read_link(root.join("out")).expect("link"), Path::new("../outside.txt"));
        assert_eq!(std::fs::read_to_string(root.join("out")).expect("link target copied"), "secret");
        assert!(!root.join("sub/x.cleanup").exists() && !root.join("sub/old.cleanup").exists());
        assert!(root.join("sub").is_dir());
        assert!(!root.parent().expect("parent").join("t.wasm").exists(), "modules are not copied");
        drop(sandbox);
        assert!(!root.exists(), "removed afterwards");
        assert!(d.join("r.dir/sub/x.cleanup").exists(), "the user's folder is left alone");
    }
}
