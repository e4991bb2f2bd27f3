//! The byte layouts of `filestat`, `fdstat` and `dirent`, and file types.

use cap_std::fs::{FileType, Metadata, MetadataExt};

pub(crate) const UNKNOWN: u8 = 0;
pub(crate) const DIRECTORY: u8 = 3;
pub(crate) const REGULAR_FILE: u8 = 4;
pub(crate) const SYMBOLIC_LINK: u8 = 7;

pub(crate) fn filetype(t: FileType) -> u8 {
    if t.is_dir() {
        DIRECTORY
    } else if t.is_file() {
        REGULAR_FILE
    } else if t.is_symlink() {
        SYMBOLIC_LINK
    } else {
        UNKNOWN
    }
}

fn nanos(secs: i64, nsec: i64) -> u64 {
    u64::try_from(secs)
        .unwrap_or(0)
        .saturating_mul(1_000_000_000)
        .saturating_add(u64::try_from(nsec).unwrap_or(0))
}

/// A 64-byte `filestat`: dev, ino, filetype, nlink, size, atim, mtim, ctim.
pub(crate) fn filestat(m: &Metadata) -> [u8; 64] {
    let mut b = [0u8; 64];
    b[0..8].copy_from_slice(&m.dev().to_le_bytes());
    b[8..16].copy_from_slice(&m.ino().to_le_bytes());
    b[16] = filetype(m.file_type());
    b[24..32].copy_from_slice(&m.nlink().to_le_bytes());
    b[32..40].copy_from_slice(&m.size().to_le_bytes());
    b[40..48].copy_from_slice(&nanos(m.atime(), m.atime_nsec()).to_le_bytes());
    b[48..56].copy_from_slice(&nanos(m.mtime(), m.mtime_nsec()).to_le_bytes());
    b[56..64].copy_from_slice(&nanos(m.ctime(), m.ctime_nsec()).to_le_bytes());
    b
}

/// A 24-byte `fdstat`: filetype, flags, rights base, rights inheriting.
pub(crate) fn fdstat(filetype: u8, flags: u16, base: u64, inheriting: u64) -> [u8; 24] {
    let mut b = [0u8; 24];
    b[0] = filetype;
    b[2..4].copy_from_slice(&flags.to_le_bytes());
    b[8..16].copy_from_slice(&base.to_le_bytes());
    b[16..24].copy_from_slice(&inheriting.to_le_bytes());
    b
}

/// A 24-byte `dirent` header: next cookie, inode, name length, type.
pub(crate) fn dirent(next: u64, ino: u64, namlen: u32, filetype: u8) -> [u8; 24] {
    let mut b = [0u8; 24];
    b[0..8].copy_from_slice(&next.to_le_bytes());
    b[8..16].copy_from_slice(&ino.to_le_bytes());
    b[16..20].copy_from_slice(&namlen.to_le_bytes());
    b[20] = filetype;
    b
}
