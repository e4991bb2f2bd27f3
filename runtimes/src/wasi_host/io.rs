//! Reading and writing through descriptors: stdin from the instance's input bytes,
//! stdout/stderr into capped buffers, files (opened read-only) through the host.

use std::fs::File;
use std::io::Read;
use std::os::unix::fs::FileExt;

use super::errno::{self, Errno, BADF, INVAL, ISDIR, SPIPE};
use super::fds::Object;
use super::state::HostState;
use super::{arg32, Memory, Outcome};

pub(super) fn fd_write(h: &mut HostState, m: &mut Memory<'_>, a: &[u64]) -> Outcome {
    let (fd, iovs, count, nwritten) = (arg32(a, 0), arg32(a, 1), arg32(a, 2), arg32(a, 3));
    let (name, is_out) = match h.fds.get(fd).map(|d| &d.object) {
        Ok(Object::Stdout) => ("stdout", true),
        Ok(Object::Stderr) => ("stderr", false),
        Ok(_) => return Outcome::Errno(BADF), // stdin, and files opened read-only
        Err(e) => return Outcome::Errno(e),
    };
    let iovecs = match m.iovecs(iovs, count) {
        Ok(v) => v,
        Err(e) => return Outcome::Errno(e),
    };
    let total: u64 = iovecs.iter().map(|&(_, len)| u64::from(len)).sum();
    let Ok(total32) = u32::try_from(total) else {
        return Outcome::Errno(INVAL);
    };
    let stream = if is_out { &mut h.stdout } else { &mut h.stderr };
    // The whole write fits under the cap, or none of it is written.
    if !stream.admit(total) {
        let max = stream.cap();
        h.limit_hit = Some(format!("{name} exceeds the output cap of {max} bytes"));
        return Outcome::OutputCap;
    }
    for (ptr, len) in iovecs {
        match m.bytes(ptr, len) {
            Ok(bytes) => {
                let pushed = stream.push(bytes);
                debug_assert!(pushed, "admitted above");
            }
            Err(e) => return Outcome::Errno(e),
        }
    }
    m.write_u32(nwritten, total32).into()
}

pub(super) fn fd_read(h: &mut HostState, m: &mut Memory<'_>, a: &[u64]) -> Outcome {
    let (fd, iovs, count, nread) = (arg32(a, 0), arg32(a, 1), arg32(a, 2), arg32(a, 3));
    let iovecs = match h.fds.get(fd) {
        Ok(_) => m.iovecs(iovs, count),
        Err(e) => Err(e),
    };
    let read = iovecs.and_then(|iovecs| match &h.fds.get(fd)?.object {
        Object::Stdin => Ok(read_stdin(&h.stdin, &mut h.stdin_pos, m, &iovecs)),
        Object::File(file) => read_file(file, None, m, &iovecs),
        Object::Dir { .. } => Err(ISDIR),
        Object::Stdout | Object::Stderr => Err(BADF),
    });
    read.and_then(|n| m.write_u32(nread, n)).into()
}

fn read_stdin(stdin: &[u8], pos: &mut usize, m: &mut Memory<'_>, iovecs: &[(u32, u32)]) -> u32 {
    let mut total: u32 = 0;
    for &(ptr, len) in iovecs {
        let rest = stdin.get(*pos..).unwrap_or_default();
        if rest.is_empty() {
            break;
        }
        let n = rest.len().min(len as usize);
        // The iovecs were checked to lie in memory.
        if m.write(ptr, &rest[..n]).is_err() {
            break;
        }
        *pos += n;
        total = total.saturating_add(n as u32);
    }
    total
}

/// Read into the iovecs in turn, at the file's position or (`fd_pread`) from `offset`;
/// stops at the first short read.
fn read_file(file: &File, offset: Option<u64>, m: &mut Memory<'_>, iovecs: &[(u32, u32)]) -> Result<u32, Errno> {
    let mut total: u32 = 0;
    for &(ptr, len) in iovecs {
        let buf = m.bytes_mut(ptr, len as usize)?;
        let n = match offset {
            Some(at) => file.read_at(buf, at + u64::from(total)),
            None => (&*file).read(buf),
        }
        .map_err(|e| errno::of_io(&e))?;
        total = total.saturating_add(n as u32);
        if n < len as usize {
            break;
        }
    }
    Ok(total)
}

pub(super) fn fd_pread(h: &mut HostState, m: &mut Memory<'_>, a: &[u64]) -> Outcome {
    let (fd, iovs, count, offset, nread) = (arg32(a, 0), arg32(a, 1), arg32(a, 2), a[3], arg32(a, 4));
    let iovecs = match h.fds.get(fd).and_then(|_| m.iovecs(iovs, count)) {
        Ok(v) => v,
        Err(e) => return Outcome::Errno(e),
    };
    let read = h.fds.get(fd).and_then(|d| match &d.object {
        Object::File(file) => read_file(file, Some(offset), m, &iovecs),
        Object::Dir { .. } => Err(ISDIR),
        _ => Err(SPIPE),
    });
    read.and_then(|n| m.write_u32(nread, n)).into()
}

pub(super) fn fd_pwrite(h: &mut HostState, _m: &mut Memory<'_>, a: &[u64]) -> Outcome {
    match h.fds.get(arg32(a, 0)).map(|d| &d.object) {
        Ok(Object::File(_) | Object::Dir { .. }) => Outcome::Errno(BADF), // read-only
        Ok(_) => Outcome::Errno(SPIPE),
        Err(e) => Outcome::Errno(e),
    }
}
