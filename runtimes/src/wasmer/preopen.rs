//! Read-only preopened directories for wasmer-wasix.
//!
//! Each preopen is a [`ReadOnlyHostFs`] — virtual-fs's host file system rooted at the
//! preopen's host directory (never at `/`) behind a wrapper — mounted at a private path of
//! the guest's file system and preopened from there under its guest name with read rights
//! only (`read(true)`, `write(false)`, `create(false)`).
//!
//! wasmer-wasix always has its own virtual root `/` at fd 3 — hard-coded
//! (`VIRTUAL_ROOT_FD`: `get_fd_inode(3)` is the root whatever the fd table holds) — so on
//! the wasmer backends the preopens are fds **4**, 5, … in order, not 3, 4, …. The virtual
//! root lists the preopens as its subdirectories; everything it reaches is behind the same
//! read-only wrappers, and at its own level the mount file system creates nothing. (The
//! root's `fd_fdstat_get` claims every right; the calls themselves are refused.)
//! wasmer-wasix also strips the leading `/` of a preopen's guest name; a `setup_fs` hook
//! ([`name_preopens`]) gives each preopen its guest name exactly as configured.
//!
//! wasmer-wasix's `path_open` does not refuse write rights, `O_CREAT`, `O_TRUNC` or
//! `O_APPEND` on a read-only directory: it quietly opens read-only (writes then fail with
//! `EACCES`). And through its virtual root (fd 3, every right) `path_link` and
//! `path_filestat_set_times` report success while changing only its inode cache, never
//! the host. So when preopens are given, the guest's `wasi_snapshot_preview1` imports are
//! guarded ([`guard_imports`]): `path_open` refuses those requests with **`EPERM`** before
//! calling wasmer-wasix's own, and every `path_*` call that changes a directory returns
//! `EPERM` outright. Only preview1 is guarded; other WASI versions keep wasmer-wasix's
//! behaviour, and every file system they reach is read-only all the same.
//!
//! [`ReadOnlyHostFs`] refuses every mutation itself (`PermissionDenied`, `EPERM`), and
//! resolves every path it is asked to read on the host (`canonicalize`: all symlinks, all
//! `..`), refusing it (`PermissionDenied`) unless it stays inside the canonical root. That
//! check exists because virtual-fs's host file system confines paths only lexically (it
//! drops `..` and joins the path to its root) and lets the host OS follow symlinks.
//! wasmer-wasix 0.704 resolves symlinks itself before it asks the file system
//! (tests/preopens.rs: `..`, absolute paths and file or directory symlinks pointing out
//! all get `ENOTCAPABLE` from its resolver, also with the check switched off), so the
//! check is a second line for any path the resolver does pass through (e.g. an inode it
//! cached as a directory that the host then replaced by a symlink). The check and the open
//! are two steps, so a host process swapping a file for a symlink between them could race
//! it; preopened directories are benchmark inputs that nothing changes while a guest runs.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;

use wasmer_wasix::virtual_fs::host_fs::{self, normalize_path};
use wasmer_wasix::virtual_fs::{
    FileOpener, FileSystem, FsError, Metadata, MountFileSystem, OpenOptions, OpenOptionsConfig,
    ReadDir, VirtualFile,
};
use wasmer_wasix::fs::{WasiFs, WasiInodes};
use wasmer_wasix::{WasiEnvBuilder, WasiStateCreationError};

use wasmer::{AsStoreMut, Extern, Function, FunctionEnv, FunctionEnvMut, Imports, Value};

use crate::Preopen;

// WASI preview1 values the guard looks at.
const O_CREAT: i32 = 1;
const O_TRUNC: i32 = 8;
const FDFLAG_APPEND: i32 = 1;
/// `fd_write`, `fd_allocate`, `fd_filestat_set_size`: what a read-only open never asks
/// for (wasi-libc asks for them only with `O_WRONLY`/`O_RDWR`).
const WRITE_RIGHTS: i64 = (1 << 6) | (1 << 8) | (1 << 22);
const ERRNO_PERM: i32 = 63;

/// The preview1 calls that change a directory: always `EPERM` on a read-only file system.
const MUTATING: [&str; 7] = [
    "path_create_directory",
    "path_filestat_set_times",
    "path_link",
    "path_remove_directory",
    "path_rename",
    "path_symlink",
    "path_unlink_file",
];

/// Replaces the preview1 `path_open` among `imports` by [`guarded_path_open`] and every
/// [`MUTATING`] call by one that returns `EPERM`.
pub(super) fn guard_imports(store: &mut impl AsStoreMut, imports: &mut Imports) {
    const NAMESPACE: &str = "wasi_snapshot_preview1";
    if let Some(Extern::Function(original)) = imports.get_export(NAMESPACE, "path_open") {
        let env = FunctionEnv::new(store, original);
        let guarded = Function::new_typed_with_env(store, &env, guarded_path_open);
        imports.define(NAMESPACE, "path_open", guarded);
    }
    for name in MUTATING {
        if let Some(Extern::Function(original)) = imports.get_export(NAMESPACE, name) {
            let ty = original.ty(store);
            let refused = Function::new(store, ty, |_| Ok(vec![Value::I32(ERRNO_PERM)]));
            imports.define(NAMESPACE, name, refused);
        }
    }
}

/// `path_open` that refuses to create, truncate, append or open for writing (`EPERM`)
/// and otherwise calls wasmer-wasix's own `path_open` (the environment's function).
#[allow(clippy::too_many_arguments)]
fn guarded_path_open(
    mut env: FunctionEnvMut<'_, Function>,
    fd: i32,
    dirflags: i32,
    path: i32,
    path_len: i32,
    oflags: i32,
    rights_base: i64,
    rights_inheriting: i64,
    fdflags: i32,
    opened_fd: i32,
) -> std::result::Result<i32, wasmer::RuntimeError> {
    if oflags & (O_CREAT | O_TRUNC) != 0 || fdflags & FDFLAG_APPEND != 0 || rights_base & WRITE_RIGHTS != 0 {
        return Ok(ERRNO_PERM);
    }
    let (original, mut store) = env.data_and_store_mut();
    let args = [
        Value::I32(fd),
        Value::I32(dirflags),
        Value::I32(path),
        Value::I32(path_len),
        Value::I32(oflags),
        Value::I64(rights_base),
        Value::I64(rights_inheriting),
        Value::I32(fdflags),
        Value::I32(opened_fd),
    ];
    let results = original.clone().call(&mut store, &args)?;
    match results.first() {
        Some(Value::I32(errno)) => Ok(*errno),
        other => Err(wasmer::RuntimeError::new(format!("path_open returned {other:?}"))),
    }
}

type FsResult<T> = std::result::Result<T, FsError>;

/// Where the `index`-th preopen is mounted in the guest's file system.
fn mount_point(index: usize) -> String {
    format!("/.wasmbench-preopen-{index}")
}

/// Mounts every preopen (read-only, confined) and preopens it under its guest name, in
/// order. Without preopens the builder is left as it was.
pub(super) fn add_preopens(
    mut builder: WasiEnvBuilder,
    preopens: &[Preopen],
    tokio: &tokio::runtime::Handle,
) -> std::result::Result<WasiEnvBuilder, String> {
    if preopens.is_empty() {
        return Ok(builder);
    }
    let root = MountFileSystem::new();
    for (index, preopen) in preopens.iter().enumerate() {
        let named = |e: &dyn std::fmt::Display| format!("preopen {}: {e}", preopen.host.display());
        let fs = ReadOnlyHostFs::new(tokio.clone(), &preopen.host).map_err(|e| named(&e))?;
        root.mount(mount_point(index), Arc::new(fs)).map_err(|e| named(&e))?;
    }
    builder = builder.fs(Arc::new(root) as Arc<dyn FileSystem + Send + Sync>);
    for (index, preopen) in preopens.iter().enumerate() {
        builder = builder
            .preopen_build(|p| {
                p.directory(mount_point(index))
                    .alias(&preopen.guest)
                    .read(true)
                    .write(false)
                    .create(false)
            })
            .map_err(|e: WasiStateCreationError| format!("preopen {}: {e}", preopen.host.display()))?;
    }
    let guests: Vec<String> = preopens.iter().map(|p| p.guest.clone()).collect();
    Ok(builder.setup_fs(Box::new(move |_: &WasiInodes, fs: &mut WasiFs| name_preopens(fs, &guests))))
}

fn poisoned<T>(_: T) -> String {
    "a lock of wasmer-wasix's file system is poisoned".to_string()
}

/// Gives the preopens (opened after wasmer-wasix's virtual root, in order) their guest
/// names unchanged (`fd_prestat_dir_name`).
fn name_preopens(fs: &mut WasiFs, guests: &[String]) -> std::result::Result<(), String> {
    let preopen_fds = fs.preopen_fds.read().map_err(poisoned)?.clone();
    let Some((_root, ours)) = preopen_fds.split_first() else {
        return Err("wasmer-wasix opened no root directory".into());
    };
    if ours.len() != guests.len() {
        return Err(format!(
            "wasmer-wasix opened {} preopens for {} directories",
            ours.len(),
            guests.len()
        ));
    }
    let map = fs.fd_map.read().map_err(poisoned)?;
    for (&fd, guest) in ours.iter().zip(guests) {
        let entry = map.get(fd).ok_or_else(|| format!("preopen fd {fd} is missing"))?;
        *entry.inode.name.write().map_err(poisoned)? = guest.clone().into();
    }
    Ok(())
}

/// A host directory, read-only, that no path leaves (see the module documentation).
#[derive(Debug)]
pub(super) struct ReadOnlyHostFs {
    inner: host_fs::FileSystem,
    /// The canonical host directory.
    root: PathBuf,
}

impl ReadOnlyHostFs {
    pub(super) fn new(tokio: tokio::runtime::Handle, host: &Path) -> FsResult<Self> {
        let root = std::fs::canonicalize(host)?;
        let inner = host_fs::FileSystem::new(tokio, root.clone())?;
        Ok(ReadOnlyHostFs { inner, root })
    }

    /// The host path the inner file system uses for `path` (its own lexical rule).
    fn host_path(&self, path: &Path) -> PathBuf {
        let path = normalize_path(path);
        self.root.join(path.strip_prefix("/").unwrap_or(&path))
    }

    /// `path` with every symlink resolved stays inside the root (a path that does not
    /// exist is left to the inner file system, which reports it).
    fn confine(&self, path: &Path) -> FsResult<()> {
        match std::fs::canonicalize(self.host_path(path)) {
            Ok(real) if !real.starts_with(&self.root) => Err(FsError::PermissionDenied),
            _ => Ok(()),
        }
    }

    /// The directory holding `path` stays inside the root (for calls that do not follow
    /// a symlink in the last component).
    fn confine_parent(&self, path: &Path) -> FsResult<()> {
        match path.parent() {
            Some(parent) => self.confine(parent),
            None => Ok(()),
        }
    }
}

impl FileSystem for ReadOnlyHostFs {
    fn readlink(&self, path: &Path) -> FsResult<PathBuf> {
        self.confine_parent(path)?;
        self.inner.readlink(path)
    }

    fn read_dir(&self, path: &Path) -> FsResult<ReadDir> {
        self.confine(path)?;
        self.inner.read_dir(path)
    }

    fn create_dir(&self, _path: &Path) -> FsResult<()> {
        Err(FsError::PermissionDenied)
    }

    fn create_symlink(&self, _source: &Path, _target: &Path) -> FsResult<()> {
        Err(FsError::PermissionDenied)
    }

    fn hard_link(&self, _source: &Path, _target: &Path) -> FsResult<()> {
        Err(FsError::PermissionDenied)
    }

    fn remove_dir(&self, _path: &Path) -> FsResult<()> {
        Err(FsError::PermissionDenied)
    }

    fn rename<'a>(
        &'a self,
        _from: &'a Path,
        _to: &'a Path,
    ) -> Pin<Box<dyn Future<Output = FsResult<()>> + Send + 'a>> {
        Box::pin(std::future::ready(Err(FsError::PermissionDenied)))
    }

    fn metadata(&self, path: &Path) -> FsResult<Metadata> {
        self.confine(path)?;
        self.inner.metadata(path)
    }

    fn symlink_metadata(&self, path: &Path) -> FsResult<Metadata> {
        self.confine_parent(path)?;
        self.inner.symlink_metadata(path)
    }

    fn remove_file(&self, _path: &Path) -> FsResult<()> {
        Err(FsError::PermissionDenied)
    }

    fn new_open_options(&self) -> OpenOptions<'_> {
        OpenOptions::new(self)
    }
}

impl FileOpener for ReadOnlyHostFs {
    fn open(&self, path: &Path, conf: &OpenOptionsConfig) -> FsResult<Box<dyn VirtualFile + Send + Sync + 'static>> {
        if conf.write || conf.create || conf.create_new || conf.append || conf.truncate {
            return Err(FsError::PermissionDenied);
        }
        self.confine(path)?;
        self.inner.new_open_options().options(conf.clone()).open(path)
    }
}
