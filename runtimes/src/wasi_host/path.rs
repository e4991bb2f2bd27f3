//! Path calls, always relative to a directory descriptor and contained in it: cap-std
//! resolves every path beneath the directory, so `..` past it, an absolute symlink and a
//! symlink pointing outside fail with `ENOTCAPABLE`, as does an absolute path. Nothing is
//! ever created, changed or removed: those calls answer `ENOTCAPABLE` on a directory.

use super::errno::{self, Errno, LOOP, NOENT, NOTCAPABLE, NOTDIR};
use super::fds::{rights, Descriptor, Object};
use super::state::HostState;
use super::stat::filestat;
use super::{arg32, Memory, Outcome};

/// `lookupflags`: follow a symlink in the last component.
const SYMLINK_FOLLOW: u32 = 1;
/// `oflags`.
const O_CREAT: u16 = 1;
const O_DIRECTORY: u16 = 2;
const O_EXCL: u16 = 4;
const O_TRUNC: u16 = 8;
/// `fdflags` that only make sense for writing: append, dsync, sync.
const WRITE_FLAGS: u16 = 1 | 2 | 16;

/// A guest path checked for what cap-std would otherwise have to refuse: empty paths do
/// not exist, absolute ones lead outside.
fn guest_path<'m>(m: &'m Memory<'_>, ptr: u32, len: u32) -> Result<&'m str, Errno> {
    let path = m.string(ptr, len)?;
    if path.is_empty() {
        return Err(NOENT);
    }
    if path.starts_with('/') || path.contains('\0') {
        return Err(NOTCAPABLE);
    }
    Ok(path)
}

fn io<T>(r: std::io::Result<T>) -> Result<T, Errno> {
    r.map_err(|e| errno::of_io(&e))
}

/// `path_open`: files and directories, read-only. A request to create, truncate, append
/// or for a right to write is refused with `ENOTCAPABLE`.
pub(super) fn path_open(h: &mut HostState, m: &mut Memory<'_>, a: &[u64]) -> Outcome {
    let (fd, lookup, oflags, base, inheriting, fdflags, out) =
        (arg32(a, 0), arg32(a, 1), a[4] as u16, a[5], a[6], a[7] as u16, arg32(a, 8));
    let opened = guest_path(m, arg32(a, 2), arg32(a, 3)).and_then(|path| {
        let (dir, d) = h.fds.dir(fd)?;
        if d.base & rights::PATH_OPEN == 0 || oflags & (O_CREAT | O_TRUNC | O_EXCL) != 0 || fdflags & WRITE_FLAGS != 0 {
            return Err(NOTCAPABLE);
        }
        if lookup & SYMLINK_FOLLOW == 0 && io(dir.symlink_metadata(path))?.is_symlink() {
            return Err(LOOP);
        }
        let object = if io(dir.metadata(path))?.is_dir() {
            Object::Dir { dir: io(dir.open_dir(path))?, preopen: None, listing: None }
        } else if oflags & O_DIRECTORY != 0 {
            return Err(NOTDIR);
        } else if base & rights::WRITES != 0 {
            return Err(NOTCAPABLE);
        } else {
            Object::File(io(dir.open(path))?.into_std())
        };
        let mut opened = Descriptor::new(object);
        // The new descriptor gets what was asked for, within what the directory passes on.
        opened.base &= base & d.inheriting;
        opened.inheriting &= inheriting & d.inheriting;
        opened.flags = fdflags;
        Ok(opened)
    });
    opened
        .and_then(|d| h.fds.insert(d))
        .and_then(|new_fd| m.write_u32(out, new_fd))
        .into()
}

pub(super) fn path_filestat_get(h: &mut HostState, m: &mut Memory<'_>, a: &[u64]) -> Outcome {
    let (fd, lookup, out) = (arg32(a, 0), arg32(a, 1), arg32(a, 4));
    let stat = guest_path(m, arg32(a, 2), arg32(a, 3)).and_then(|path| {
        let (dir, _) = h.fds.dir(fd)?;
        let md = if lookup & SYMLINK_FOLLOW != 0 {
            dir.metadata(path)
        } else {
            dir.symlink_metadata(path)
        };
        Ok(filestat(&io(md)?))
    });
    stat.and_then(|s| m.write(out, &s)).into()
}

/// `path_readlink`: the link's text, cut to the buffer (as POSIX `readlink`).
pub(super) fn path_readlink(h: &mut HostState, m: &mut Memory<'_>, a: &[u64]) -> Outcome {
    let (fd, buf, buf_len, used) = (arg32(a, 0), arg32(a, 3), arg32(a, 4), arg32(a, 5));
    let target = guest_path(m, arg32(a, 1), arg32(a, 2)).and_then(|path| {
        let (dir, _) = h.fds.dir(fd)?;
        Ok(io(dir.read_link_contents(path))?.into_os_string().into_encoded_bytes())
    });
    target
        .and_then(|t| {
            let n = t.len().min(buf_len as usize);
            m.write(buf, &t[..n])?;
            m.write_u32(used, n as u32)
        })
        .into()
}

/// Every call that would create, change or remove something, with its directory
/// descriptor at argument `AT`: refused.
pub(super) fn path_mutation<const AT: usize>(h: &mut HostState, _m: &mut Memory<'_>, a: &[u64]) -> Outcome {
    match h.fds.dir(arg32(a, AT)) {
        Ok(_) => Outcome::Errno(NOTCAPABLE),
        Err(e) => Outcome::Errno(e),
    }
}

/// `path_link` and `path_rename` name two directories (arguments 0 and `SECOND`): both
/// must be directories, and then the call is refused.
pub(super) fn path_two_dirs<const SECOND: usize>(h: &mut HostState, _m: &mut Memory<'_>, a: &[u64]) -> Outcome {
    match h.fds.dir(arg32(a, 0)).and_then(|_| h.fds.dir(arg32(a, SECOND))) {
        Ok(_) => Outcome::Errno(NOTCAPABLE),
        Err(e) => Outcome::Errno(e),
    }
}

