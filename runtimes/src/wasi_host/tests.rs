//! The host driven directly, with a plain byte buffer as linear memory.

use super::errno::*;
use super::*;
use crate::{Preopen, WasiInput};

const PATH: u32 = 4096;
const OUT: u32 = 64;
const BUF: u32 = 8192;

struct Guest {
    host: HostState,
    mem: Vec<u8>,
}

impl Guest {
    fn new(input: &WasiInput) -> Guest {
        Guest { host: HostState::new(input, 1 << 16).expect("host"), mem: vec![0; 1 << 16] }
    }

    fn with_dir(dir: &std::path::Path) -> Guest {
        Guest::new(&WasiInput { preopens: vec![Preopen::new(dir, ".")], ..WasiInput::default() })
    }

    fn call(&mut self, name: &str, args: &[u64]) -> Outcome {
        let index = lookup(WASI_MODULE, name).unwrap_or_else(|| panic!("{name}"));
        call(index, &mut self.host, &mut self.mem, args)
    }

    fn u32_at(&self, at: u32) -> u32 {
        let a = at as usize;
        u32::from_le_bytes(self.mem[a..a + 4].try_into().expect("4 bytes"))
    }

    fn u64_at(&self, at: u32) -> u64 {
        let a = at as usize;
        u64::from_le_bytes(self.mem[a..a + 8].try_into().expect("8 bytes"))
    }

    /// `path_open(3, follow, path, oflags, rights)`: the new fd, or the errno.
    fn open(&mut self, path: &str, oflags: u64, rights: u64) -> Result<u32, Errno> {
        self.mem[PATH as usize..PATH as usize + path.len()].copy_from_slice(path.as_bytes());
        let args = [3, 1, u64::from(PATH), path.len() as u64, oflags, rights, 0, 0, u64::from(OUT)];
        match self.call("path_open", &args) {
            Outcome::Errno(SUCCESS) => Ok(self.u32_at(OUT)),
            Outcome::Errno(e) => Err(e),
            other => panic!("{other:?}"),
        }
    }

    /// Read all of `fd` through one iovec at BUF.
    fn read(&mut self, fd: u32) -> Vec<u8> {
        self.mem[0..8].copy_from_slice(&[BUF.to_le_bytes(), 1024u32.to_le_bytes()].concat());
        assert_eq!(self.call("fd_read", &[u64::from(fd), 0, 1, u64::from(OUT)]), Outcome::Errno(SUCCESS));
        let n = self.u32_at(OUT) as usize;
        self.mem[BUF as usize..BUF as usize + n].to_vec()
    }
}

/// A preopen with `data.txt`, `sub/inner.txt` and `out` (a symlink to a file outside it).
fn tree() -> (tempfile::TempDir, std::path::PathBuf) {
    let top = tempfile::tempdir().expect("tempdir");
    let root = top.path().join("root");
    std::fs::create_dir_all(root.join("sub")).expect("mkdir");
    std::fs::write(root.join("data.txt"), b"hello file\n").expect("write");
    std::fs::write(root.join("sub/inner.txt"), b"inner").expect("write");
    std::fs::write(top.path().join("secret.txt"), b"SECRET").expect("write");
    std::os::unix::fs::symlink("../secret.txt", root.join("out")).expect("symlink");
    std::os::unix::fs::symlink(top.path().join("secret.txt"), root.join("abs")).expect("symlink");
    (top, root)
}

#[test]
fn table_md_is_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/wasi_host/TABLE.md");
    let want = table_markdown();
    if std::env::var_os("UPDATE_HOST_TABLE").is_some() {
        std::fs::write(&path, &want).expect("writing TABLE.md");
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(have, want, "TABLE.md is stale: run this test with UPDATE_HOST_TABLE=1");
}

#[test]
fn every_preview1_function_is_there_once() {
    let wasi: Vec<_> = table::FUNCTIONS.iter().filter(|f| f.module == WASI_MODULE).collect();
    assert_eq!(wasi.len(), 46);
    let names: std::collections::BTreeSet<_> = wasi.iter().map(|f| f.name).collect();
    assert_eq!(names.len(), 46, "unique");
    assert!(lookup(BENCH_MODULE, "start").is_some() && lookup(WASI_MODULE, "nope").is_none());
}

#[test]
fn reads_a_file_through_the_preopen() {
    let (_top, root) = tree();
    let mut g = Guest::with_dir(&root);
    let fd = g.open("data.txt", 0, 2).expect("opens");
    assert_eq!(g.read(fd), b"hello file\n");
    let fd2 = g.open("./sub/../sub/inner.txt", 0, 2).expect("opens");
    assert_eq!(g.read(fd2), b"inner");
    assert_eq!(g.call("fd_seek", &[u64::from(fd), 6, 0, u64::from(OUT)]), Outcome::Errno(SUCCESS));
    assert_eq!(g.u64_at(OUT), 6);
    assert_eq!(g.read(fd), b"file\n");
    assert_eq!(g.call("fd_close", &[u64::from(fd)]), Outcome::Errno(SUCCESS));
    assert_eq!(g.call("fd_close", &[u64::from(fd)]), Outcome::Errno(BADF));
}

#[test]
fn nothing_escapes_and_nothing_is_written() {
    let (_top, root) = tree();
    let mut g = Guest::with_dir(&root);
    for path in ["../secret.txt", "sub/../../secret.txt", "/etc/passwd", "out", "abs"] {
        assert_eq!(g.open(path, 0, 2), Err(NOTCAPABLE), "{path}");
    }
    assert_eq!(g.open("new.txt", 1, 2), Err(NOTCAPABLE), "O_CREAT");
    assert_eq!(g.open("data.txt", 8, 2), Err(NOTCAPABLE), "O_TRUNC");
    assert_eq!(g.open("data.txt", 0, 1 << 6), Err(NOTCAPABLE), "FD_WRITE");
    let fd = g.open("data.txt", 0, 2).expect("opens");
    g.mem[0..8].copy_from_slice(&[BUF.to_le_bytes(), 4u32.to_le_bytes()].concat());
    assert_eq!(g.call("fd_write", &[u64::from(fd), 0, 1, u64::from(OUT)]), Outcome::Errno(BADF));
    g.mem[PATH as usize..PATH as usize + 8].copy_from_slice(b"data.txt");
    let at = [3, u64::from(PATH), 8];
    assert_eq!(g.call("path_unlink_file", &at), Outcome::Errno(NOTCAPABLE));
    assert_eq!(g.call("path_create_directory", &at), Outcome::Errno(NOTCAPABLE));
    assert_eq!(std::fs::read(root.join("data.txt")).expect("still there"), b"hello file\n");
    assert!(!root.join("new.txt").exists());
}

#[test]
fn preopen_names_and_listing() {
    let (_top, root) = tree();
    let mut g = Guest::with_dir(&root);
    assert_eq!(g.call("fd_prestat_get", &[3, u64::from(OUT)]), Outcome::Errno(SUCCESS));
    assert_eq!(g.u32_at(OUT + 4), 1);
    assert_eq!(g.call("fd_prestat_get", &[4, u64::from(OUT)]), Outcome::Errno(BADF));
    assert_eq!(g.call("fd_readdir", &[3, u64::from(BUF), 4096, 0, u64::from(OUT)]), Outcome::Errno(SUCCESS));
    let used = g.u32_at(OUT) as usize;
    let (mut names, mut at) = (Vec::new(), BUF as usize);
    while at + 24 <= BUF as usize + used {
        let len = g.u32_at(at as u32 + 16) as usize;
        names.push(String::from_utf8_lossy(&g.mem[at + 24..at + 24 + len]).into_owned());
        at += 24 + len;
    }
    assert_eq!(names, [".", "..", "abs", "data.txt", "out", "sub"]);
}

#[test]
fn output_cap_and_exit_stop_the_run() {
    let mut g = Guest::new(&WasiInput::default());
    g.host.stdout = crate::capture::CapBuffer::new(4);
    g.mem[0..8].copy_from_slice(&[BUF.to_le_bytes(), 5u32.to_le_bytes()].concat());
    assert_eq!(g.call("fd_write", &[1, 0, 1, u64::from(OUT)]), Outcome::OutputCap);
    assert!(g.host.limit_hit.is_some());
    assert_eq!(g.call("proc_exit", &[42]), Outcome::Exit);
    assert_eq!(g.host.exit_code, Some(42));
}

#[test]
fn a_missing_preopen_is_named() {
    let input = WasiInput { preopens: vec![Preopen::new("/no/such/dir", ".")], ..WasiInput::default() };
    let err = HostState::new(&input, 1).err().expect("refused");
    assert!(err.contains("/no/such/dir"), "{err}");
}
