//! Planning: which (backend, workload, language) cells a run measures, from the user's
//! choice of backends, workloads, languages and suite.

use anyhow::{bail, Context, Result};
use wasmbench_data::CellId;
use wasmbench_runtimes::BackendId;

use crate::manifest::{Manifest, Suite, Workload, WorkloadModule};
use crate::protocol::{PreopenDir, Request, Task};
use crate::process_backend::{ProcessBackend, ProcessCell};
use crate::shard::ShardSpec;

/// One cell to measure.
#[derive(Debug, Clone)]
pub struct CellPlan {
    pub backend: BackendId,
    pub workload: Workload,
    pub module: WorkloadModule,
    /// The worker runs inside a container (`container-<backend>`): WebAssembly deployed
    /// as a container, so the container's share of a cold start shows.
    pub contained: bool,
}

impl CellPlan {
    /// The worker request of this cell (task `cold` until the caller picks one): the
    /// workload's input and expected output, the limits and the compile deadline.
    pub fn worker_request(&self, limits: &wasmbench_runtimes::Limits, compile_deadline: std::time::Duration) -> Request {
        let ms = |d: std::time::Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        Request {
            env: self.workload.env.clone(),
            args: self.workload.args.clone(),
            stdin: self.workload.stdin.clone(),
            preopens: self.workload.preopens.iter().map(PreopenDir::from).collect(),
            expected_stdout: self.workload.expected_stdout.clone(),
            expected_stderr: self.workload.expected_stderr.clone(),
            expected_exit: self.workload.expected_exit,
            max_memory_bytes: limits.max_memory_bytes,
            max_output_bytes: limits.max_output_bytes as u64,
            ..Request::one_shot(
                Task::Cold,
                self.backend.name(),
                self.module.wasm.clone(),
                ms(limits.deadline),
                ms(compile_deadline),
            )
        }
    }

    pub fn id(&self) -> CellId {
        CellId {
            backend: match self.contained {
                true => format!("{CONTAINED}{}", self.backend.name()),
                false => self.backend.name().to_string(),
            },
            workload: self.workload.name.clone(),
            language: self.module.language.clone(),
        }
    }
}

/// The prefix of a contained backend's name: `container-wasmtime-cranelift`.
pub const CONTAINED: &str = "container-";

impl CellPlan {
    /// The backend's kind; `container` for a contained worker.
    pub fn kind(&self) -> wasmbench_data::BackendKind {
        match self.contained {
            true => wasmbench_data::BackendKind::Container,
            false => self.backend.kind(),
        }
    }
}

/// What the user chose (empty lists: no choice).
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Backend names: in-process backends and process backends (`native`, `node-js`, …).
    pub backends: Vec<String>,
    pub workloads: Vec<String>,
    pub languages: Vec<String>,
    pub suite: Option<String>,
    /// Every workload in every language, ignoring the default suite.
    pub all: bool,
    /// Only this shard's modules (`--shard K/N`; see [`crate::shard`]).
    pub shard: Option<ShardSpec>,
}

/// The cells to measure in worker processes: chosen backends × chosen workloads × chosen
/// languages, in workload-major order. JavaScript versions run on JavaScript backends
/// only, modules on the others. Empty when only process backends are named.
pub fn plan(selection: &Selection, manifest: &Manifest) -> Result<Vec<CellPlan>> {
    let backends = backends(&selection.backends)?;
    let mut plan = Vec::new();
    for (w, m) in chosen(selection, manifest)? {
        for &(backend, contained) in backends.iter().filter(|(b, _)| b.runs_javascript() == (m.language == "js")) {
            plan.push(CellPlan {
                backend,
                workload: w.clone(),
                module: m.clone(),
                contained,
            });
        }
    }
    if plan.is_empty() && !backends.is_empty() && selection.shard.is_none() {
        bail!("no cell matches the chosen workloads and languages");
    }
    Ok(plan)
}

/// The cells of the process backends: each chosen module that the backend runs (native
/// builds, JavaScript versions, WebAssembly modules), in workload-major order.
pub fn process_plan(selection: &Selection, manifest: &Manifest, backends: &[ProcessBackend]) -> Result<Vec<ProcessCell>> {
    let mut cells = Vec::new();
    for (w, m) in chosen(selection, manifest)? {
        for &backend in backends.iter().filter(|b| b.runs(m)) {
            cells.push(ProcessCell { backend, workload: w.clone(), module: m.clone() });
        }
    }
    Ok(cells)
}

/// The chosen modules with their workloads.
fn chosen<'m>(selection: &Selection, manifest: &'m Manifest) -> Result<Vec<(&'m Workload, &'m WorkloadModule)>> {
    let suite = suite(selection, manifest)?;
    let languages = match (&selection.languages, suite) {
        (l, _) if !l.is_empty() => l.clone(),
        (_, Some(s)) => s.languages.clone(),
        _ => Vec::new(),
    };
    let mut out = Vec::new();
    for w in workloads(selection, suite, manifest)? {
        out.extend(w.modules.iter().filter(|m| languages.is_empty() || languages.contains(&m.language)).map(|m| (w, m)));
    }
    if let Some(shard) = selection.shard {
        out = out.into_iter().enumerate().filter(|(j, _)| shard.owns(*j)).map(|(_, module)| module).collect();
    }
    Ok(out)
}

/// The chosen in-process backends (every available one when none is named), each once,
/// and whether its worker runs in a container (`container-<backend>`).
fn backends(names: &[String]) -> Result<Vec<(BackendId, bool)>> {
    if names.is_empty() {
        let all = BackendId::available();
        if all.is_empty() {
            bail!("this binary has no backend compiled in");
        }
        return Ok(all.into_iter().map(|b| (b, false)).collect());
    }
    let mut chosen = Vec::new();
    for name in names.iter().filter(|n| ProcessBackend::parse(n).is_none()) {
        let (bare, contained) = match name.strip_prefix(CONTAINED) {
            Some(inner) => (inner, true),
            None => (name.as_str(), false),
        };
        let id: BackendId = bare.parse().map_err(|e| {
            let process: Vec<&str> = ProcessBackend::ALL.iter().map(|b| b.name()).collect();
            anyhow::anyhow!("{e}; or a process backend: {}; or container-<backend>", process.join(", "))
        })?;
        if let Some(reason) = id.unavailable_reason() {
            bail!("backend `{id}` cannot run: {reason}");
        }
        if contained {
            if let Err(reason) = ProcessBackend::Container.detect() {
                bail!("backend `{name}` cannot run: {reason}");
            }
        }
        if !chosen.contains(&(id, contained)) {
            chosen.push((id, contained));
        }
    }
    Ok(chosen)
}

/// The suite to run: the named one, or `default` when nothing narrower was chosen.
fn suite<'m>(selection: &Selection, manifest: &'m Manifest) -> Result<Option<&'m Suite>> {
    Ok(match (&selection.suite, selection.all) {
        (Some(name), _) => Some(manifest.suite(name)?),
        (None, false) if selection.workloads.is_empty() && selection.languages.is_empty() => {
            manifest.suites.get("default")
        }
        _ => None,
    })
}

/// The chosen workloads, in the order chosen (every workload when none is).
fn workloads<'m>(selection: &Selection, suite: Option<&Suite>, manifest: &'m Manifest) -> Result<Vec<&'m Workload>> {
    let names = match (&selection.workloads, suite) {
        (w, _) if !w.is_empty() => w.clone(),
        (_, Some(s)) => s.workloads.clone(),
        _ => Vec::new(),
    };
    if names.is_empty() {
        return Ok(manifest.workloads.iter().collect());
    }
    names
        .iter()
        .map(|name| {
            manifest.workload(name).with_context(|| {
                format!("unknown workload `{name}` in {}; known: {}", manifest.path.display(), manifest.names())
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    const MANIFEST: &str = r#"
schema = 1
[suite.default]
workloads = ["fib"]
languages = ["c"]

[[workload]]
name = "hello"
expected_stdout = "hello.out"
[[workload.module]]
language = "c"
wasm = "hello.c.wasm"
toolchain = "t"
[[workload.module]]
language = "js"
wasm = "hello.js"
toolchain = "t"

[[workload]]
name = "fib"
expected_stdout = "fib.out"
[[workload.module]]
language = "c"
wasm = "fib.c.wasm"
toolchain = "t"
[[workload.module]]
language = "rust"
wasm = "fib.rust.wasm"
toolchain = "t"
"#;

    fn manifest() -> Manifest {
        Manifest::parse(MANIFEST, Path::new("/w/manifest.toml")).expect("manifest")
    }

    fn select(backends: &[&str], workloads: &[&str], languages: &[&str]) -> Selection {
        let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
        Selection {
            backends: strings(backends),
            workloads: strings(workloads),
            languages: strings(languages),
            ..Selection::default()
        }
    }

    fn ids(plan: &[CellPlan]) -> Vec<String> {
        plan.iter().map(|c| format!("{}/{}/{}", c.backend, c.workload.name, c.module.language)).collect()
    }

    fn wasm_backend() -> BackendId {
        *BackendId::available().iter().find(|b| !b.runs_javascript()).expect("a wasm backend")
    }

    #[test]
    fn without_a_choice_the_default_suite_runs() {
        let b = wasm_backend();
        let plan = plan(&select(&[b.name()], &[], &[]), &manifest()).expect("plan");
        assert_eq!(ids(&plan), [format!("{b}/fib/c")]);
    }

    #[test]
    fn all_ignores_the_default_suite_and_keeps_workload_order() {
        let b = wasm_backend();
        let selection = Selection { all: true, ..select(&[b.name()], &[], &[]) };
        let plan = plan(&selection, &manifest()).expect("plan");
        assert_eq!(ids(&plan), [format!("{b}/hello/c"), format!("{b}/fib/c"), format!("{b}/fib/rust")]);
    }

    #[test]
    fn workloads_and_languages_narrow_the_matrix() {
        let b = wasm_backend();
        let plan = plan(&select(&[b.name(), b.name()], &["fib"], &["rust"]), &manifest()).expect("plan");
        assert_eq!(ids(&plan), [format!("{b}/fib/rust")], "a backend named twice runs once");
    }

    #[test]
    fn javascript_runs_on_javascript_backends_only() {
        let b = wasm_backend();
        let err = plan(&select(&[b.name()], &["hello"], &["js"]), &manifest()).expect_err("no js backend");
        assert!(err.to_string().contains("no cell matches"), "{err}");
    }

    #[test]
    fn shards_split_the_modules_and_keep_every_backend_of_a_module_together() {
        let b = wasm_backend();
        let all = Selection { all: true, ..select(&[b.name(), "wasmi"], &[], &[]) };
        let whole = ids(&plan(&all, &manifest()).expect("plan"));
        let mut parts = Vec::new();
        for index in 1..=2 {
            let shard = Selection { shard: Some(ShardSpec { index, count: 2 }), ..all.clone() };
            parts.push(ids(&plan(&shard, &manifest()).expect("shard plan")));
        }
        let modules = |p: &[String]| p.iter().map(|id| id.split_once('/').map_or("", |(_, m)| m).to_string()).collect::<std::collections::BTreeSet<_>>();
        assert!(modules(&parts[0]).is_disjoint(&modules(&parts[1])), "{parts:?}");
        let mut union: Vec<String> = parts.concat();
        let mut expected = whole.clone();
        union.sort();
        expected.sort();
        assert_eq!(union, expected, "the shards together are the plan");
        let empty = Selection { shard: Some(ShardSpec { index: 3, count: 3 }), ..select(&[b.name()], &["fib"], &["c"]) };
        assert!(plan(&empty, &manifest()).expect("an empty shard is no error").is_empty());
    }

    #[test]
    fn bad_choices_are_named() {
        let m = manifest();
        let err = plan(&select(&[], &["nosuch"], &[]), &m).expect_err("unknown workload");
        assert!(err.to_string().contains("unknown workload `nosuch`"), "{err}");
        assert!(err.to_string().contains("known: ") && err.to_string().contains("fib"), "{err}");
        let err = plan(&select(&["nosuch-backend"], &[], &[]), &m).expect_err("unknown backend");
        assert!(err.to_string().contains("`nosuch-backend`"), "{err}");
        assert!(plan(&select(&["node-wasi"], &[], &[]), &m).expect("only a process backend").is_empty());
        let err = plan(&Selection { suite: Some("ci".into()), ..Selection::default() }, &m).expect_err("suite");
        assert!(err.to_string().contains("ci"), "{err}");
    }
}
