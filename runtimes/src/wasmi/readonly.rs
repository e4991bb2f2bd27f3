//! Read-only preopens for wasmi: wasi-common 36 (behind `wasmi_wasi`) has no read-only
//! flag for a preopened directory, so its cap-std directory is wrapped here.
//!
//! [`ReadOnlyDir`] refuses every call that would change the file system — creating a file
//! (`O_CREAT`), truncating (`O_TRUNC`), opening for writing or appending, creating or
//! removing a directory, unlinking, renaming, linking, creating a symlink, setting times —
//! with **`EPERM`** (the errno wasmtime-wasi gives for the same calls on its read-only
//! preopens). Everything it opens is wrapped again: a subdirectory as a [`ReadOnlyDir`], a
//! file as a [`ReadOnlyFile`] that refuses writes, truncation and setting times. Reads,
//! seeks, `fd_readdir`, `path_filestat_get` and `path_readlink` go to wasi-common's own
//! cap-std implementation, which keeps `..`, absolute paths and symlinks inside the
//! directory (cap-std resolves every path component itself and refuses to leave it).
//!
//! Limitation: a [`ReadOnlyFile`] does not expose wasi-common's `pollable` file handle, so
//! `poll_oneoff` on a file opened from a preopen is not supported (stdio is unaffected).
//!
//! The traits are declared with `async_trait`; their methods are written here in the form
//! that macro expands to (a boxed future per call), so no extra dependency is needed.

use std::any::Any;
use std::future::Future;
use std::io::{IoSliceMut, SeekFrom};
use std::path::{Path, PathBuf};
use std::pin::Pin;

use wasmi_wasi::wasi_common::dir::{OpenResult, ReaddirCursor, ReaddirEntity};
use wasmi_wasi::wasi_common::file::{Advice, FdFlags, FileType, Filestat, OFlags};
use wasmi_wasi::wasi_common::sync::dir::Dir as CommonDir;
use wasmi_wasi::wasi_common::sync::{ambient_authority, Dir};
use wasmi_wasi::wasi_common::{Error, ErrorExt, SystemTimeSpec, WasiDir, WasiFile};

/// What every `async_trait` method returns once expanded.
type Fut<'a, T> = Pin<Box<dyn Future<Output = Result<T, Error>> + Send + 'a>>;

type Entries = Box<dyn Iterator<Item = Result<ReaddirEntity, Error>> + Send>;

/// The answer to every mutating call.
fn refused<'a, T: Send + 'a>() -> Fut<'a, T> {
    Box::pin(std::future::ready(Err(Error::perm())))
}

/// Opens `host` (a directory) as a read-only WASI directory.
pub(super) fn open(host: &Path) -> std::io::Result<Box<dyn WasiDir>> {
    let dir = Dir::open_ambient_dir(host, ambient_authority())?;
    Ok(Box::new(ReadOnlyDir(Box::new(CommonDir::from_cap_std(dir)))))
}

/// A directory whose files and subdirectories can be read, never changed.
pub(super) struct ReadOnlyDir(Box<dyn WasiDir>);

impl WasiDir for ReadOnlyDir {
    fn as_any(&self) -> &dyn Any {
        self
    }

    #[allow(clippy::too_many_arguments)]
    fn open_file<'life0, 'life1, 'async_trait>(
        &'life0 self,
        symlink_follow: bool,
        path: &'life1 str,
        oflags: OFlags,
        read: bool,
        write: bool,
        fdflags: FdFlags,
    ) -> Fut<'async_trait, OpenResult>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait,
    {
        let mutating = OFlags::CREATE | OFlags::EXCLUSIVE | OFlags::TRUNCATE;
        if write || oflags.intersects(mutating) || fdflags.contains(FdFlags::APPEND) {
            return refused();
        }
        Box::pin(async move {
            // wasi-common opens without write access when `write` is false.
            let opened = self
                .0
                .open_file(symlink_follow, path, oflags, read, false, fdflags)
                .await?;
            Ok(match opened {
                OpenResult::File(file) => OpenResult::File(Box::new(ReadOnlyFile(file))),
                OpenResult::Dir(dir) => OpenResult::Dir(Box::new(ReadOnlyDir(dir))),
            })
        })
    }

    fn create_dir<'life0, 'life1, 'async_trait>(&'life0 self, _path: &'life1 str) -> Fut<'async_trait, ()>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait,
    {
        refused()
    }

    fn readdir<'life0, 'async_trait>(&'life0 self, cursor: ReaddirCursor) -> Fut<'async_trait, Entries>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        self.0.readdir(cursor)
    }

    fn symlink<'life0, 'life1, 'life2, 'async_trait>(
        &'life0 self,
        _old_path: &'life1 str,
        _new_path: &'life2 str,
    ) -> Fut<'async_trait, ()>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        'life2: 'async_trait,
        Self: 'async_trait,
    {
        refused()
    }

    fn remove_dir<'life0, 'life1, 'async_trait>(&'life0 self, _path: &'life1 str) -> Fut<'async_trait, ()>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait,
    {
        refused()
    }

    fn unlink_file<'life0, 'life1, 'async_trait>(&'life0 self, _path: &'life1 str) -> Fut<'async_trait, ()>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait,
    {
        refused()
    }

    fn read_link<'life0, 'life1, 'async_trait>(&'life0 self, path: &'life1 str) -> Fut<'async_trait, PathBuf>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait,
    {
        self.0.read_link(path)
    }

    fn get_filestat<'life0, 'async_trait>(&'life0 self) -> Fut<'async_trait, Filestat>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        self.0.get_filestat()
    }

    fn get_path_filestat<'life0, 'life1, 'async_trait>(
        &'life0 self,
        path: &'life1 str,
        follow_symlinks: bool,
    ) -> Fut<'async_trait, Filestat>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait,
    {
        self.0.get_path_filestat(path, follow_symlinks)
    }

    fn rename<'life0, 'life1, 'life2, 'life3, 'async_trait>(
        &'life0 self,
        _path: &'life1 str,
        _dest_dir: &'life2 dyn WasiDir,
        _dest_path: &'life3 str,
    ) -> Fut<'async_trait, ()>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        'life2: 'async_trait,
        'life3: 'async_trait,
        Self: 'async_trait,
    {
        refused()
    }

    fn hard_link<'life0, 'life1, 'life2, 'life3, 'async_trait>(
        &'life0 self,
        _path: &'life1 str,
        _target_dir: &'life2 dyn WasiDir,
        _target_path: &'life3 str,
    ) -> Fut<'async_trait, ()>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        'life2: 'async_trait,
        'life3: 'async_trait,
        Self: 'async_trait,
    {
        refused()
    }

    fn set_times<'life0, 'life1, 'async_trait>(
        &'life0 self,
        _path: &'life1 str,
        _atime: Option<SystemTimeSpec>,
        _mtime: Option<SystemTimeSpec>,
        _follow_symlinks: bool,
    ) -> Fut<'async_trait, ()>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait,
    {
        refused()
    }
}

/// A file opened from a [`ReadOnlyDir`]: read, seek and stat; writes (also refused by
/// wasi-common's access mode), truncation and setting times are refused.
struct ReadOnlyFile(Box<dyn WasiFile>);

impl WasiFile for ReadOnlyFile {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn get_filetype<'life0, 'async_trait>(&'life0 self) -> Fut<'async_trait, FileType>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        self.0.get_filetype()
    }

    fn get_fdflags<'life0, 'async_trait>(&'life0 self) -> Fut<'async_trait, FdFlags>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        self.0.get_fdflags()
    }

    fn get_filestat<'life0, 'async_trait>(&'life0 self) -> Fut<'async_trait, Filestat>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        self.0.get_filestat()
    }

    fn set_filestat_size<'life0, 'async_trait>(&'life0 self, _size: u64) -> Fut<'async_trait, ()>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        refused()
    }

    fn advise<'life0, 'async_trait>(&'life0 self, offset: u64, len: u64, advice: Advice) -> Fut<'async_trait, ()>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        self.0.advise(offset, len, advice)
    }

    fn set_times<'life0, 'async_trait>(
        &'life0 self,
        _atime: Option<SystemTimeSpec>,
        _mtime: Option<SystemTimeSpec>,
    ) -> Fut<'async_trait, ()>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        refused()
    }

    fn read_vectored<'a, 'life0, 'life1, 'async_trait>(
        &'life0 self,
        bufs: &'life1 mut [IoSliceMut<'a>],
    ) -> Fut<'async_trait, u64>
    where
        'a: 'async_trait,
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait,
    {
        self.0.read_vectored(bufs)
    }

    fn read_vectored_at<'a, 'life0, 'life1, 'async_trait>(
        &'life0 self,
        bufs: &'life1 mut [IoSliceMut<'a>],
        offset: u64,
    ) -> Fut<'async_trait, u64>
    where
        'a: 'async_trait,
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait,
    {
        self.0.read_vectored_at(bufs, offset)
    }

    fn seek<'life0, 'async_trait>(&'life0 self, pos: SeekFrom) -> Fut<'async_trait, u64>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        self.0.seek(pos)
    }

    fn peek<'life0, 'life1, 'async_trait>(&'life0 self, buf: &'life1 mut [u8]) -> Fut<'async_trait, u64>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait,
    {
        self.0.peek(buf)
    }

    fn num_ready_bytes(&self) -> Result<u64, Error> {
        self.0.num_ready_bytes()
    }

    fn readable<'life0, 'async_trait>(&'life0 self) -> Fut<'async_trait, ()>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        self.0.readable()
    }
}
