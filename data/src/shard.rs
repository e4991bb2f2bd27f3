//! Sharded runs: which part of a plan a document holds, and — in a document merged from
//! shards — the machine and drift sentinel of every part.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{CellId, Environment, Sentinel};

/// One part of a run split over several machines or processes (`wasmbench run --shard
/// K/N`). A shard's own document lists itself; a merged document lists every shard it was
/// merged from, each with the machine that measured it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct Shard {
    /// Which part, from 1 to `count`.
    pub index: u32,
    /// How many parts the plan was split into.
    pub count: u32,
    /// Cells of the whole plan, every shard's together.
    pub plan_cells: usize,
    /// Cells of this shard's part of the plan.
    pub cells: usize,
    /// A shard's own document: every cell of the whole plan, in plan order — what `merge`
    /// checks the shards against and orders the merged cells by (empty in a merged
    /// document, whose cells are the plan).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub plan: Vec<CellId>,
    /// In a merged document: the file the shard was read from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// In a merged document: the machine the shard ran on (a shard's own document keeps
    /// it in its `environment`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<Environment>,
    /// In a merged document: the shard's drift sentinel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sentinel: Option<Sentinel>,
}

impl Shard {
    /// `K/N`.
    pub fn label(&self) -> String {
        format!("{}/{}", self.index, self.count)
    }

    /// What makes the wall-clock figures of a merged document's shards incomparable, one
    /// sentence each, naming the shards' files: machines that differ from the first
    /// shard's (fingerprints, or CPU models where one has no fingerprint), and drift
    /// sentinels apart from the first shard's by more than their threshold. Nothing when
    /// the shards hold no wall-clock figures (`timed` false: instruction counts only).
    pub fn mixed(shards: &[Shard], timed: bool) -> Vec<String> {
        let Some((first, others)) = shards.split_first().filter(|_| timed) else { return Vec::new() };
        let name = |s: &Shard| s.source.clone().unwrap_or_else(|| format!("shard {}", s.label()));
        let mut out = Vec::new();
        for other in others {
            let (Some(a), Some(b)) = (&first.environment, &other.environment) else { continue };
            let differences = match (&a.fingerprint, &b.fingerprint) {
                (Some(fa), Some(fb)) => fa.differences(fb),
                _ if a.cpu_model != b.cpu_model => vec![format!("CPU: {} ≠ {}", a.cpu_model, b.cpu_model)],
                _ => Vec::new(),
            };
            if !differences.is_empty() {
                out.push(format!("{} and {} ran on different machines ({})", name(first), name(other), differences.join(", ")));
            }
            let sentinels = first.sentinel.as_ref().zip(other.sentinel.as_ref());
            if let Some((x, shift)) = sentinels.and_then(|(x, y)| Some((x, x.disagreement_pct(y)?))) {
                out.push(format!(
                    "the drift sentinels of {} and {} disagree: the machine ran {shift:+.1}% slower in the second (threshold {}%)",
                    name(first),
                    name(other),
                    x.threshold_pct
                ));
            }
        }
        out
    }
}
