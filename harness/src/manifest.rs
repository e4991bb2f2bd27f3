//! The workload manifest (`workloads/manifest.toml`): which workloads exist, their input,
//! their expected output, and the module built from each source language.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Manifest schema this harness reads.
pub const MANIFEST_SCHEMA: u32 = 1;

#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("reading manifest {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("parsing manifest {path}: {source}")]
    Parse {
        path: PathBuf,
        #[source]
        source: toml::de::Error,
    },
    #[error("manifest {path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    schema: u32,
    #[serde(default, rename = "suite")]
    suites: BTreeMap<String, Suite>,
    #[serde(default, rename = "workload")]
    workloads: Vec<RawWorkload>,
}

/// A named selection of workloads and languages (`[suite.NAME]`), e.g. the default run
/// or the CI suite. An empty list means all.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Suite {
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub workloads: Vec<String>,
    #[serde(default)]
    pub languages: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWorkload {
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    shape: String,
    #[serde(default)]
    env: BTreeMap<String, String>,
    #[serde(default)]
    args: Vec<String>,
    stdin: Option<PathBuf>,
    expected_stdout: PathBuf,
    #[serde(default)]
    expected_exit: i32,
    #[serde(default, rename = "module")]
    modules: Vec<RawModule>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawModule {
    language: String,
    #[serde(default)]
    source: Option<PathBuf>,
    wasm: PathBuf,
    #[serde(default)]
    toolchain: String,
}

/// A workload: one function, its input and expected output, built from one or more
/// source languages.
#[derive(Debug, Clone, PartialEq)]
pub struct Workload {
    pub name: String,
    pub description: String,
    pub shape: String,
    pub env: Vec<(String, String)>,
    pub args: Vec<String>,
    /// Absolute path of the stdin file, if any.
    pub stdin: Option<PathBuf>,
    /// Absolute path of the expected stdout.
    pub expected_stdout: PathBuf,
    pub expected_exit: i32,
    pub modules: Vec<WorkloadModule>,
}

/// One module of a workload, built from one source language.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkloadModule {
    pub language: String,
    pub source: Option<PathBuf>,
    /// Absolute path of the `.wasm` (or `.wat`) file.
    pub wasm: PathBuf,
    pub toolchain: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    pub path: PathBuf,
    pub suites: BTreeMap<String, Suite>,
    pub workloads: Vec<Workload>,
}

impl Manifest {
    /// Read and check a manifest; relative paths in it are resolved against its folder.
    pub fn load(path: &Path) -> Result<Manifest, ManifestError> {
        let text = std::fs::read_to_string(path).map_err(|source| ManifestError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Manifest::parse(&text, path)
    }

    /// Parse manifest text as if it had been read from `path`.
    pub fn parse(text: &str, path: &Path) -> Result<Manifest, ManifestError> {
        let invalid = |message: String| ManifestError::Invalid {
            path: path.to_path_buf(),
            message,
        };
        let raw: RawManifest = toml::from_str(text).map_err(|source| ManifestError::Parse {
            path: path.to_path_buf(),
            source,
        })?;
        if raw.schema != MANIFEST_SCHEMA {
            return Err(invalid(format!(
                "schema {} is not supported (this wasmbench reads schema {MANIFEST_SCHEMA})",
                raw.schema
            )));
        }
        let base = path.parent().unwrap_or(Path::new("."));
        let mut seen = std::collections::BTreeSet::new();
        let mut workloads = Vec::new();
        for w in raw.workloads {
            if w.name.is_empty() || !w.name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) {
                return Err(invalid(format!(
                    "workload name `{}` must be non-empty ASCII letters, digits, `-`, `_` or `.`",
                    w.name
                )));
            }
            if !seen.insert(w.name.clone()) {
                return Err(invalid(format!("workload `{}` is listed twice", w.name)));
            }
            if w.modules.is_empty() {
                return Err(invalid(format!("workload `{}` has no [[workload.module]]", w.name)));
            }
            let mut languages = std::collections::BTreeSet::new();
            for m in &w.modules {
                if !languages.insert(m.language.clone()) {
                    return Err(invalid(format!(
                        "workload `{}` lists language `{}` twice",
                        w.name, m.language
                    )));
                }
            }
            workloads.push(Workload {
                name: w.name,
                description: w.description,
                shape: w.shape,
                env: w.env.into_iter().collect(),
                args: w.args,
                stdin: w.stdin.map(|p| base.join(p)),
                expected_stdout: base.join(w.expected_stdout),
                expected_exit: w.expected_exit,
                modules: w
                    .modules
                    .into_iter()
                    .map(|m| WorkloadModule {
                        language: m.language,
                        source: m.source.map(|p| base.join(p)),
                        wasm: base.join(m.wasm),
                        toolchain: m.toolchain,
                    })
                    .collect(),
            });
        }
        for (name, suite) in &raw.suites {
            for w in &suite.workloads {
                if !seen.contains(w) {
                    return Err(invalid(format!("suite `{name}` names unknown workload `{w}`")));
                }
            }
        }
        Ok(Manifest {
            path: path.to_path_buf(),
            suites: raw.suites,
            workloads,
        })
    }

    /// A suite by name, or an error listing the suites there are.
    pub fn suite(&self, name: &str) -> Result<&Suite, ManifestError> {
        self.suites.get(name).ok_or_else(|| ManifestError::Invalid {
            path: self.path.clone(),
            message: format!(
                "no suite `{name}`; suites: {}",
                self.suites.keys().cloned().collect::<Vec<_>>().join(", ")
            ),
        })
    }

    pub fn workload(&self, name: &str) -> Option<&Workload> {
        self.workloads.iter().find(|w| w.name == name)
    }

    /// The workload names, for error messages.
    pub fn names(&self) -> String {
        self.workloads
            .iter()
            .map(|w| w.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The manifest used when none is named: `workloads/manifest.toml` below the current
/// folder, else the one of the source checkout this binary was built from.
pub fn default_manifest_path() -> PathBuf {
    let local = PathBuf::from("workloads/manifest.toml");
    if local.is_file() {
        return local;
    }
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("workloads")
        .join("manifest.toml")
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
schema = 1
[[workload]]
name = "hello"
env = { INPUT = "x" }
stdin = "hello/input.stdin"
expected_stdout = "hello/expected.stdout"
[[workload.module]]
language = "c"
wasm = "built/hello.c.wasm"
"#;

    #[test]
    fn resolves_paths_against_the_manifest_folder() {
        let m = Manifest::parse(GOOD, Path::new("/repo/workloads/manifest.toml")).expect("ok");
        let w = m.workload("hello").expect("hello");
        assert_eq!(w.env, vec![("INPUT".to_string(), "x".to_string())]);
        assert_eq!(w.stdin.as_deref(), Some(Path::new("/repo/workloads/hello/input.stdin")));
        assert_eq!(w.modules[0].wasm, Path::new("/repo/workloads/built/hello.c.wasm"));
        assert_eq!(w.expected_exit, 0);
    }

    #[test]
    fn bad_manifests_name_the_file_and_the_problem() {
        let path = Path::new("m.toml");
        let cases = [
            ("schema = 2", "schema 2"),
            ("schema = 1\n[[workload]]\nname = \"a\"\nexpected_stdout = \"x\"", "no [[workload.module]]"),
            ("schema = 1\nbogus = 3", "bogus"),
            (&GOOD.replace("\"hello\"", "\"../evil\""), "must be non-empty"),
            (&format!("{GOOD}{}", &GOOD[GOOD.find("[[workload]]").unwrap_or(0)..]), "listed twice"),
            (&format!("{GOOD}\n[suite.quick]\nworkloads = [\"nope\"]\n"), "unknown workload `nope`"),
        ];
        for (text, needle) in cases {
            let err = Manifest::parse(text, path).expect_err(text).to_string();
            assert!(err.contains("m.toml"), "{err}");
            assert!(err.contains(needle), "{err} should mention {needle}");
        }
    }
}
