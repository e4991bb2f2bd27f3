//! `fd_readdir`: a directory's entries, `.` and `..` first, then by name (so that every run
//! lists in the same order). The cookie is the index of the next entry. The listing is
//! read when a listing starts (cookie 0) and kept for the calls that continue it.

use super::errno::{self, Errno, BADF, NOTDIR};
use super::fds::{DirEntry, Object};
use super::state::HostState;
use super::stat::{dirent, filetype, DIRECTORY};
use super::{arg32, Memory, Outcome};
use cap_std::fs::MetadataExt;

fn listing(dir: &cap_std::fs::Dir) -> std::io::Result<Vec<DirEntry>> {
    let ino = dir.dir_metadata()?.ino();
    let mut entries = vec![
        DirEntry { name: b".".to_vec(), ino, filetype: DIRECTORY },
        DirEntry { name: b"..".to_vec(), ino: 0, filetype: DIRECTORY },
    ];
    let mut rest = Vec::new();
    for entry in dir.entries()? {
        let entry = entry?;
        let md = entry.metadata()?;
        let name = entry.file_name().into_encoded_bytes();
        rest.push(DirEntry { name, ino: md.ino(), filetype: filetype(entry.file_type()?) });
    }
    rest.sort_by(|a, b| a.name.cmp(&b.name));
    entries.extend(rest);
    Ok(entries)
}

fn entries(h: &mut HostState, fd: u32, cookie: u64) -> Result<&[DirEntry], Errno> {
    match &mut h.fds.get_mut(fd)?.object {
        Object::Dir { dir, listing: cached, .. } => {
            if cookie == 0 || cached.is_none() {
                *cached = Some(listing(dir).map_err(|e| errno::of_io(&e))?);
            }
            Ok(cached.as_deref().unwrap_or_default())
        }
        Object::File(_) => Err(NOTDIR),
        _ => Err(BADF),
    }
}

/// Entries from `cookie` on, packed into `buf_len` bytes; the last may be cut short (the
/// guest then asks again with a larger buffer, as the specification says).
pub(super) fn fd_readdir(h: &mut HostState, m: &mut Memory<'_>, a: &[u64]) -> Outcome {
    let (fd, buf, buf_len, cookie, used) = (arg32(a, 0), arg32(a, 1), arg32(a, 2), a[3], arg32(a, 4));
    let packed = entries(h, fd, cookie).map(|list| {
        let mut out = Vec::new();
        let start = usize::try_from(cookie).unwrap_or(usize::MAX);
        for (i, e) in list.iter().enumerate().skip(start) {
            if out.len() >= buf_len as usize {
                break;
            }
            out.extend_from_slice(&dirent(i as u64 + 1, e.ino, e.name.len() as u32, e.filetype));
            out.extend_from_slice(&e.name);
        }
        out.truncate(buf_len as usize);
        out
    });
    packed
        .and_then(|out| {
            m.write(buf, &out)?;
            m.write_u32(used, out.len() as u32)
        })
        .into()
}
