//! The function registry: the only place function names come from.
//!
//! Every function is registered at start-up — from `name=path.wasm` pairs, a folder of
//! `*.wasm` files or a TOML manifest — and its bytes are read there and then. A request
//! names a function, never a file: the name is looked up in this map and nothing else, so
//! no request can make the gateway open a path. A function sees no directory unless its
//! manifest entry configures one: a read-only preopen fixed here, never by a request.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use wasmbench_runtimes::Preopen;

/// Longest function name accepted.
pub const MAX_NAME_LEN: usize = 128;

/// Error while building the registry, naming the bad input.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("invalid function name `{name}`: {why}")]
    BadName { name: String, why: &'static str },
    #[error("function `{name}` is registered twice ({first} and {second})")]
    Duplicate {
        name: String,
        first: PathBuf,
        second: PathBuf,
    },
    #[error("`{0}` is not of the form NAME=PATH")]
    BadSpec(String),
    #[error("reading {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a WebAssembly binary (no `\\0asm` header)")]
    NotWasm { path: PathBuf },
    #[error("function `{name}`: preopen directory {dir}: {why}")]
    Preopen { name: String, dir: PathBuf, why: String },
    #[error("parsing function manifest {path}: {source}")]
    Manifest {
        path: PathBuf,
        source: toml::de::Error,
    },
}

/// One registered function: its name, where it was read from, its bytes and the
/// directories it may read (none unless its manifest entry names one).
#[derive(Debug, Clone)]
pub struct Function {
    pub name: String,
    pub path: PathBuf,
    pub wasm: Arc<Vec<u8>>,
    pub preopens: Vec<Preopen>,
}

/// Function name → module, fixed at start-up.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    functions: BTreeMap<String, Function>,
}

/// The TOML manifest: `[functions]` maps names to module paths, relative to the manifest,
/// or to a table that also gives the function a read-only directory.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ManifestFile {
    functions: BTreeMap<String, Entry>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(untagged, expecting = "a module path, or a table { module = PATH, preopen = { dir = DIR, guest = NAME } }")]
enum Entry {
    Module(PathBuf),
    Table(EntryTable),
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryTable {
    module: PathBuf,
    preopen: Option<PreopenEntry>,
}

/// A directory (relative to the manifest) the function sees read-only at `guest`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PreopenEntry {
    dir: PathBuf,
    #[serde(default = "current_dir")]
    guest: String,
}

fn current_dir() -> String {
    ".".to_string()
}

/// Check a function name: 1 to [`MAX_NAME_LEN`] of `A-Z a-z 0-9 _ - .`, not starting with
/// a dot. Names are only ever looked up in the registry; the rule keeps them usable as
/// URL path segments and metric labels.
pub fn check_name(name: &str) -> Result<(), RegistryError> {
    let bad = |why| RegistryError::BadName {
        name: name.to_string(),
        why,
    };
    if name.is_empty() {
        return Err(bad("empty"));
    }
    if name.len() > MAX_NAME_LEN {
        return Err(bad("longer than 128 bytes"));
    }
    if name.starts_with('.') {
        return Err(bad("starts with a dot"));
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
    {
        return Err(bad("only A-Z, a-z, 0-9, `_`, `-` and `.` are allowed"));
    }
    Ok(())
}

impl Registry {
    pub fn new() -> Self {
        Registry::default()
    }

    /// Register `name` as the module at `path`, reading it now.
    pub fn add(&mut self, name: &str, path: &Path) -> Result<(), RegistryError> {
        check_name(name)?;
        if let Some(existing) = self.functions.get(name) {
            return Err(RegistryError::Duplicate {
                name: name.to_string(),
                first: existing.path.clone(),
                second: path.to_path_buf(),
            });
        }
        let wasm = std::fs::read(path).map_err(|source| RegistryError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        if !wasm.starts_with(b"\0asm") {
            return Err(RegistryError::NotWasm {
                path: path.to_path_buf(),
            });
        }
        self.functions.insert(
            name.to_string(),
            Function {
                name: name.to_string(),
                path: path.to_path_buf(),
                wasm: Arc::new(wasm),
                preopens: Vec::new(),
            },
        );
        Ok(())
    }

    /// Give the registered function `name` the host directory `dir`, read-only, at the
    /// guest path `guest`. The directory must exist now.
    pub fn add_preopen(&mut self, name: &str, dir: &Path, guest: &str) -> Result<(), RegistryError> {
        let bad = |why: String| RegistryError::Preopen {
            name: name.to_string(),
            dir: dir.to_path_buf(),
            why,
        };
        match std::fs::metadata(dir) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => return Err(bad("not a directory".into())),
            Err(e) => return Err(bad(e.to_string())),
        }
        if guest.is_empty() || guest.contains('\0') {
            return Err(bad(format!("guest path `{guest}` is empty or contains NUL")));
        }
        let function = self.functions.get_mut(name).ok_or_else(|| bad("no such function".into()))?;
        function.preopens.push(Preopen::new(dir, guest));
        Ok(())
    }

    /// Register a `NAME=PATH` pair (the `--fn` flag).
    pub fn add_spec(&mut self, spec: &str) -> Result<(), RegistryError> {
        let (name, path) = spec
            .split_once('=')
            .filter(|(n, p)| !n.is_empty() && !p.is_empty())
            .ok_or_else(|| RegistryError::BadSpec(spec.to_string()))?;
        self.add(name, Path::new(path))
    }

    /// Register every `*.wasm` file of `dir` (not recursive) under its file stem.
    pub fn add_dir(&mut self, dir: &Path) -> Result<(), RegistryError> {
        let io = |source| RegistryError::Io {
            path: dir.to_path_buf(),
            source,
        };
        let mut paths = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(io)? {
            let path = entry.map_err(io)?.path();
            if path.extension().is_some_and(|e| e == "wasm") && path.is_file() {
                paths.push(path);
            }
        }
        paths.sort();
        for path in paths {
            let name = path
                .file_stem()
                .and_then(|s| s.to_str())
                .ok_or_else(|| RegistryError::BadName {
                    name: path.display().to_string(),
                    why: "file name is not UTF-8",
                })?
                .to_string();
            self.add(&name, &path)?;
        }
        Ok(())
    }

    /// Register the functions of a TOML manifest:
    ///
    /// ```toml
    /// [functions]
    /// hello = "hello.wasm"        # relative to the manifest's folder
    /// words = { module = "wordfreq.wasm", preopen = { dir = "data", guest = "." } }
    /// ```
    pub fn add_manifest(&mut self, manifest: &Path) -> Result<(), RegistryError> {
        let text = std::fs::read_to_string(manifest).map_err(|source| RegistryError::Io {
            path: manifest.to_path_buf(),
            source,
        })?;
        let file: ManifestFile = toml::from_str(&text).map_err(|source| RegistryError::Manifest {
            path: manifest.to_path_buf(),
            source,
        })?;
        let base = manifest.parent().unwrap_or(Path::new("."));
        for (name, entry) in file.functions {
            match entry {
                Entry::Module(path) => self.add(&name, &base.join(path))?,
                Entry::Table(table) => {
                    self.add(&name, &base.join(table.module))?;
                    if let Some(preopen) = table.preopen {
                        self.add_preopen(&name, &base.join(preopen.dir), &preopen.guest)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// The function registered under exactly `name`.
    pub fn get(&self, name: &str) -> Option<&Function> {
        self.functions.get(name)
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.functions.keys().map(String::as_str)
    }

    pub fn functions(&self) -> impl Iterator<Item = &Function> {
        self.functions.values()
    }

    pub fn len(&self) -> usize {
        self.functions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.functions.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EMPTY_MODULE: &[u8] = b"\0asm\x01\0\0\0";

    #[test]
    fn names_are_checked() {
        for good in ["hello", "hello.c", "a_b-C9", &"x".repeat(MAX_NAME_LEN)] {
            assert!(check_name(good).is_ok(), "{good}");
        }
        for bad in ["", "..", ".hidden", "a/b", "../x", "/etc/passwd", "a b", "é", &"x".repeat(MAX_NAME_LEN + 1)] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dir_manifest_and_specs_register_functions() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("one.wasm"), EMPTY_MODULE).expect("write");
        std::fs::write(dir.path().join("notes.txt"), "not a module").expect("write");
        std::fs::write(dir.path().join("two.wasm"), EMPTY_MODULE).expect("write");
        let manifest = dir.path().join("functions.toml");
        std::fs::write(&manifest, "[functions]\nthree = \"one.wasm\"\n").expect("write");
        let mut registry = Registry::new();
        registry.add_dir(dir.path()).expect("dir");
        registry.add_manifest(&manifest).expect("manifest");
        let spec = format!("four={}", dir.path().join("two.wasm").display());
        registry.add_spec(&spec).expect("spec");
        assert_eq!(registry.names().collect::<Vec<_>>(), ["four", "one", "three", "two"]);
        assert_eq!(registry.get("three").expect("three").wasm.as_slice(), EMPTY_MODULE);
        assert!(registry.get("notes").is_none());

        let err = registry.add_spec(&spec).expect_err("duplicate");
        assert!(err.to_string().contains("registered twice"), "{err}");
        let err = registry.add_spec("nopath").expect_err("bad spec");
        assert!(err.to_string().contains("NAME=PATH"), "{err}");
        let err = registry
            .add("notes", &dir.path().join("notes.txt"))
            .expect_err("not wasm");
        assert!(err.to_string().contains("notes.txt"), "{err}");
    }

    #[test]
    fn a_manifest_entry_gives_a_function_a_directory() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("one.wasm"), EMPTY_MODULE).expect("write");
        std::fs::create_dir(dir.path().join("data")).expect("mkdir");
        let manifest = dir.path().join("functions.toml");
        let text = "[functions]\nplain = \"one.wasm\"\n\
                    files = { module = \"one.wasm\", preopen = { dir = \"data\" } }\n\
                    root = { module = \"one.wasm\", preopen = { dir = \"data\", guest = \"/\" } }\n";
        std::fs::write(&manifest, text).expect("write");
        let mut registry = Registry::new();
        registry.add_manifest(&manifest).expect("manifest");
        assert!(registry.get("plain").expect("plain").preopens.is_empty());
        let files = &registry.get("files").expect("files").preopens;
        assert_eq!(files, &[Preopen::new(dir.path().join("data"), ".")]);
        assert_eq!(registry.get("root").expect("root").preopens[0].guest, "/");
    }

    #[test]
    fn a_bad_preopen_is_refused_naming_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("one.wasm"), EMPTY_MODULE).expect("write");
        let manifest = dir.path().join("functions.toml");
        let missing = "[functions]\nf = { module = \"one.wasm\", preopen = { dir = \"nope\" } }\n";
        std::fs::write(&manifest, missing).expect("write");
        let err = Registry::new().add_manifest(&manifest).expect_err("missing dir");
        assert!(err.to_string().contains("function `f`") && err.to_string().contains("nope"), "{err}");
        let file = "[functions]\nf = { module = \"one.wasm\", preopen = { dir = \"one.wasm\" } }\n";
        std::fs::write(&manifest, file).expect("write");
        let err = Registry::new().add_manifest(&manifest).expect_err("not a dir");
        assert!(err.to_string().contains("not a directory"), "{err}");
        let typo = "[functions]\nf = { module = \"one.wasm\", preopens = { dir = \".\" } }\n";
        std::fs::write(&manifest, typo).expect("write");
        let err = Registry::new().add_manifest(&manifest).expect_err("unknown key");
        let text = format!("{err}");
        assert!(text.contains("functions.toml") && text.contains("preopen = {"), "{text}");
    }
}
