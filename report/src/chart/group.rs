//! Which cells a per-workload chart shows (a workload, or one language of a workload with
//! too many cells).

use wasmbench_data::{Cell, Results};

use crate::cell::ordered;

/// A chart of one workload holds at most this many bars; more are split by language.
const MAX_ROWS: usize = 24;

/// Successful cells of one workload (and, when a workload has too many cells for one
/// chart, of one language), in the order of the results.
pub(crate) struct Group<'r> {
    /// `fib`, or `fib-go` when split by language.
    pub key: String,
    /// `fib`, or `fib (go)`.
    pub label: String,
    pub cells: Vec<&'r Cell>,
    /// The language most cells of the group are in; bar labels name any other.
    pub main_language: String,
}

impl Group<'_> {
    pub fn row_label(&self, cell: &Cell) -> String {
        if cell.id.language != self.main_language {
            format!("{} ({})", cell.id.backend, cell.id.language)
        } else {
            cell.id.backend.clone()
        }
    }
}

pub(crate) fn groups(results: &Results) -> Vec<Group<'_>> {
    let mut workloads: Vec<&str> = Vec::new();
    for c in &results.cells {
        if !workloads.contains(&c.id.workload.as_str()) {
            workloads.push(&c.id.workload);
        }
    }
    let mut out = Vec::new();
    for w in workloads {
        let cells: Vec<&Cell> = results
            .cells
            .iter()
            .filter(|c| c.id.workload == w && c.error.is_none())
            .collect();
        if cells.is_empty() {
            continue;
        }
        let languages: Vec<&str> = ordered(cells.iter().map(|c| c.id.language.as_str()));
        if cells.len() <= MAX_ROWS || languages.len() == 1 {
            out.push(Group {
                key: w.to_string(),
                label: w.to_string(),
                main_language: languages
                    .iter()
                    .max_by_key(|l| (cells.iter().filter(|c| c.id.language == **l).count(), std::cmp::Reverse(l.to_string())))
                    .map(|l| l.to_string())
                    .unwrap_or_default(),
                cells,
            });
        } else {
            for l in languages {
                out.push(Group {
                    key: format!("{w}-{l}"),
                    label: format!("{w} ({l})"),
                    main_language: l.to_string(),
                    cells: cells.iter().copied().filter(|c| c.id.language == l).collect(),
                });
            }
        }
    }
    out
}
