//! The descriptor table: stdio (0-2), the preopened directories (3, 4, …) and what the guest
//! opened through them. Everything is read-only: no descriptor ever carries a right to
//! write, create, rename or remove.

use std::fs::File;

use super::errno::{Errno, BADF, MFILE, NOTDIR};

/// WASI rights bits used here.
pub(crate) mod rights {
    pub const FD_READ: u64 = 1 << 1;
    pub const FD_SEEK: u64 = 1 << 2;
    pub const FD_TELL: u64 = 1 << 5;
    pub const FD_WRITE: u64 = 1 << 6;
    pub const FD_ADVISE: u64 = 1 << 7;
    pub const FD_ALLOCATE: u64 = 1 << 8;
    pub const PATH_OPEN: u64 = 1 << 13;
    pub const FD_READDIR: u64 = 1 << 14;
    pub const PATH_READLINK: u64 = 1 << 15;
    pub const PATH_FILESTAT_GET: u64 = 1 << 18;
    pub const FD_FILESTAT_GET: u64 = 1 << 21;
    pub const FD_FILESTAT_SET_SIZE: u64 = 1 << 22;
    pub const FD_FILESTAT_SET_TIMES: u64 = 1 << 23;
    pub const POLL_FD_READWRITE: u64 = 1 << 27;

    /// What an opened file may do: read, seek, tell, advise, stat, poll.
    pub const FILE: u64 = FD_READ | FD_SEEK | FD_TELL | FD_ADVISE | FD_FILESTAT_GET | POLL_FD_READWRITE;
    /// What a directory may do: open and stat paths beneath it, list it, read links.
    pub const DIR: u64 = PATH_OPEN | FD_READDIR | PATH_READLINK | PATH_FILESTAT_GET | FD_FILESTAT_GET;
    /// Rights that would write a file's contents or size: a request for one is refused.
    pub const WRITES: u64 = FD_WRITE | FD_ALLOCATE | FD_FILESTAT_SET_SIZE | FD_FILESTAT_SET_TIMES;
}

/// What a descriptor refers to.
pub(crate) enum Object {
    Stdin,
    Stdout,
    Stderr,
    /// A directory; `preopen` is the guest path of a preopened one.
    Dir { dir: cap_std::fs::Dir, preopen: Option<String>, listing: Option<Vec<DirEntry>> },
    File(File),
}

/// One entry of a directory listing (`fd_readdir`), in the order given to the guest.
#[derive(Clone)]
pub(crate) struct DirEntry {
    pub(crate) name: Vec<u8>,
    pub(crate) ino: u64,
    pub(crate) filetype: u8,
}

pub(crate) struct Descriptor {
    pub(crate) object: Object,
    pub(crate) base: u64,
    pub(crate) inheriting: u64,
    /// `fdflags` as the guest set them (only non-blocking is accepted).
    pub(crate) flags: u16,
}

impl Descriptor {
    pub(crate) fn new(object: Object) -> Descriptor {
        let (base, inheriting) = match &object {
            Object::Stdin => (rights::FD_READ, 0),
            Object::Stdout | Object::Stderr => (rights::FD_WRITE, 0),
            Object::Dir { .. } => (rights::DIR, rights::DIR | rights::FILE),
            Object::File(_) => (rights::FILE, 0),
        };
        Descriptor { object, base, inheriting, flags: 0 }
    }
}

/// Most descriptors open at once (like a process's `ulimit -n`).
const MAX_FDS: usize = 1024;

pub(crate) struct FdTable {
    slots: Vec<Option<Descriptor>>,
}

impl FdTable {
    /// Stdio, then the preopened directories in order.
    pub(crate) fn new(preopens: Vec<(cap_std::fs::Dir, String)>) -> FdTable {
        let mut slots = vec![
            Some(Descriptor::new(Object::Stdin)),
            Some(Descriptor::new(Object::Stdout)),
            Some(Descriptor::new(Object::Stderr)),
        ];
        for (dir, guest) in preopens {
            let object = Object::Dir { dir, preopen: Some(guest), listing: None };
            slots.push(Some(Descriptor::new(object)));
        }
        FdTable { slots }
    }

    pub(crate) fn get(&self, fd: u32) -> Result<&Descriptor, Errno> {
        self.slots.get(fd as usize).and_then(Option::as_ref).ok_or(BADF)
    }

    pub(crate) fn get_mut(&mut self, fd: u32) -> Result<&mut Descriptor, Errno> {
        self.slots.get_mut(fd as usize).and_then(Option::as_mut).ok_or(BADF)
    }

    /// The directory behind `fd`: `EBADF` if there is none, `ENOTDIR` if it is no directory.
    pub(crate) fn dir(&self, fd: u32) -> Result<(&cap_std::fs::Dir, &Descriptor), Errno> {
        let d = self.get(fd)?;
        match &d.object {
            Object::Dir { dir, .. } => Ok((dir, d)),
            _ => Err(NOTDIR),
        }
    }

    /// Store `d` under the lowest free descriptor number.
    pub(crate) fn insert(&mut self, d: Descriptor) -> Result<u32, Errno> {
        let free = self.slots.iter().position(Option::is_none);
        let fd = match free {
            Some(fd) => fd,
            None if self.slots.len() < MAX_FDS => {
                self.slots.push(None);
                self.slots.len() - 1
            }
            None => return Err(MFILE),
        };
        self.slots[fd] = Some(d);
        Ok(fd as u32)
    }

    pub(crate) fn close(&mut self, fd: u32) -> Result<(), Errno> {
        let slot = self.slots.get_mut(fd as usize).ok_or(BADF)?;
        slot.take().map(drop).ok_or(BADF)
    }

    /// `fd_renumber`: `from` replaces `to` (which is closed); both must be open.
    pub(crate) fn renumber(&mut self, from: u32, to: u32) -> Result<(), Errno> {
        self.get(from)?;
        self.get(to)?;
        if from != to {
            let moved = self.slots[from as usize].take();
            self.slots[to as usize] = moved;
        }
        Ok(())
    }
}
