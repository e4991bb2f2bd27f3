//! Calls on descriptors themselves: close, renumber, seek/tell, stat, flags and rights,
//! the preopen names, and the advisory calls.

use std::io::{Seek, SeekFrom};

use super::errno::{self, Errno, BADF, INVAL, NAMETOOLONG, NOTCAPABLE, SPIPE, SUCCESS};
use super::fds::Object;
use super::state::HostState;
use super::stat::{fdstat, filestat, DIRECTORY, REGULAR_FILE, UNKNOWN};
use super::{arg32, Memory, Outcome};

/// `on_stdio` for fds 0-2, `on_file` for files and directories, `EBADF` for closed ones.
fn by_kind(h: &HostState, fd: u64, on_stdio: Errno, on_file: Errno) -> Outcome {
    match h.fds.get(fd as u32).map(|d| &d.object) {
        Ok(Object::Stdin | Object::Stdout | Object::Stderr) => Outcome::Errno(on_stdio),
        Ok(_) => Outcome::Errno(on_file),
        Err(e) => Outcome::Errno(e),
    }
}

pub(super) fn fd_close(h: &mut HostState, _m: &mut Memory<'_>, a: &[u64]) -> Outcome {
    h.fds.close(arg32(a, 0)).into()
}

pub(super) fn fd_renumber(h: &mut HostState, _m: &mut Memory<'_>, a: &[u64]) -> Outcome {
    h.fds.renumber(arg32(a, 0), arg32(a, 1)).into()
}

fn seek(h: &mut HostState, fd: u32, to: Option<SeekFrom>) -> Result<u64, Errno> {
    match &h.fds.get(fd)?.object {
        Object::File(file) => match to {
            Some(to) => (&*file).seek(to),
            None => (&*file).stream_position(),
        }
        .map_err(|e| errno::of_io(&e)),
        Object::Dir { .. } => Err(BADF),
        _ => Err(SPIPE),
    }
}

pub(super) fn fd_seek(h: &mut HostState, m: &mut Memory<'_>, a: &[u64]) -> Outcome {
    let (fd, offset, whence, out) = (arg32(a, 0), a[1] as i64, arg32(a, 2) & 0xFF, arg32(a, 3));
    let to = match whence {
        0 => match u64::try_from(offset) {
            Ok(at) => SeekFrom::Start(at),
            Err(_) => return Outcome::Errno(INVAL),
        },
        1 => SeekFrom::Current(offset),
        2 => SeekFrom::End(offset),
        _ => return Outcome::Errno(INVAL),
    };
    seek(h, fd, Some(to)).and_then(|pos| m.write_u64(out, pos)).into()
}

pub(super) fn fd_tell(h: &mut HostState, m: &mut Memory<'_>, a: &[u64]) -> Outcome {
    seek(h, arg32(a, 0), None).and_then(|pos| m.write_u64(arg32(a, 1), pos)).into()
}

pub(super) fn fd_fdstat_get(h: &mut HostState, m: &mut Memory<'_>, a: &[u64]) -> Outcome {
    let stat = h.fds.get(arg32(a, 0)).map(|d| {
        // Stdio is like wasmtime's in-memory pipes: file type unknown (not a tty).
        let filetype = match d.object {
            Object::Dir { .. } => DIRECTORY,
            Object::File(_) => REGULAR_FILE,
            _ => UNKNOWN,
        };
        fdstat(filetype, d.flags, d.base, d.inheriting)
    });
    stat.and_then(|s| m.write(arg32(a, 1), &s)).into()
}

pub(super) fn fd_fdstat_set_flags(h: &mut HostState, _m: &mut Memory<'_>, a: &[u64]) -> Outcome {
    const NONBLOCK: u16 = 1 << 2;
    let flags = arg32(a, 1) as u16;
    match h.fds.get_mut(arg32(a, 0)) {
        // Reads never block here, so non-blocking changes nothing; append and the sync
        // flags are about writing, which no descriptor may do.
        Ok(d) if flags & !NONBLOCK == 0 => {
            d.flags = flags;
            Outcome::Errno(SUCCESS)
        }
        Ok(_) => Outcome::Errno(NOTCAPABLE),
        Err(e) => Outcome::Errno(e),
    }
}

pub(super) fn fd_fdstat_set_rights(h: &mut HostState, _m: &mut Memory<'_>, a: &[u64]) -> Outcome {
    let (base, inheriting) = (a[1], a[2]);
    match h.fds.get_mut(arg32(a, 0)) {
        // Rights can only be dropped.
        Ok(d) if base & !d.base == 0 && inheriting & !d.inheriting == 0 => {
            d.base = base;
            d.inheriting = inheriting;
            Outcome::Errno(SUCCESS)
        }
        Ok(_) => Outcome::Errno(NOTCAPABLE),
        Err(e) => Outcome::Errno(e),
    }
}

pub(super) fn fd_filestat_get(h: &mut HostState, m: &mut Memory<'_>, a: &[u64]) -> Outcome {
    let stat = h.fds.get(arg32(a, 0)).and_then(|d| match &d.object {
        Object::File(file) => cap_std::fs::Metadata::from_file(file)
            .map(|md| filestat(&md))
            .map_err(|e| errno::of_io(&e)),
        Object::Dir { dir, .. } => dir.dir_metadata().map(|md| filestat(&md)).map_err(|e| errno::of_io(&e)),
        // Stdio: all zero (device 0, inode 0, file type unknown, size 0, times 0).
        _ => Ok([0u8; 64]),
    });
    stat.and_then(|s| m.write(arg32(a, 1), &s)).into()
}

pub(super) fn fd_prestat_get(h: &mut HostState, m: &mut Memory<'_>, a: &[u64]) -> Outcome {
    let name_len = h.fds.get(arg32(a, 0)).and_then(|d| match &d.object {
        Object::Dir { preopen: Some(name), .. } => u32::try_from(name.len()).map_err(|_| INVAL),
        _ => Err(BADF),
    });
    let mut prestat = [0u8; 8]; // tag 0: a directory
    name_len
        .and_then(|len| {
            prestat[4..8].copy_from_slice(&len.to_le_bytes());
            m.write(arg32(a, 1), &prestat)
        })
        .into()
}

pub(super) fn fd_prestat_dir_name(h: &mut HostState, m: &mut Memory<'_>, a: &[u64]) -> Outcome {
    let (ptr, len) = (arg32(a, 1), arg32(a, 2));
    let name = h.fds.get(arg32(a, 0)).and_then(|d| match &d.object {
        Object::Dir { preopen: Some(name), .. } => Ok(name.as_bytes()),
        _ => Err(BADF),
    });
    name.and_then(|name| {
        if name.len() > len as usize {
            return Err(NAMETOOLONG);
        }
        m.write(ptr, name)
    })
    .into()
}

pub(super) fn fd_advise(h: &mut HostState, _m: &mut Memory<'_>, a: &[u64]) -> Outcome {
    by_kind(h, a[0], SPIPE, SUCCESS)
}

pub(super) fn fd_allocate(h: &mut HostState, _m: &mut Memory<'_>, a: &[u64]) -> Outcome {
    by_kind(h, a[0], SPIPE, NOTCAPABLE)
}

pub(super) fn fd_sync(h: &mut HostState, _m: &mut Memory<'_>, a: &[u64]) -> Outcome {
    // Like fsync on a pipe for stdio; nothing to flush on a read-only file.
    by_kind(h, a[0], INVAL, SUCCESS)
}

pub(super) fn fd_filestat_set(h: &mut HostState, _m: &mut Memory<'_>, a: &[u64]) -> Outcome {
    // `fd_filestat_set_size` and `_times`: read-only.
    by_kind(h, a[0], INVAL, NOTCAPABLE)
}
