//! Reading the runs back, oldest first: their facts ([`Store::list`]) or their whole
//! documents ([`Store::documents`]).

use rusqlite::Row;
use wasmbench_data::Results;

use crate::store::Store;
use crate::HistoryError;

/// One run in the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunInfo {
    pub run_id: String,
    /// When the run was made (`environment.timestamp` of its document).
    pub timestamp: String,
    /// When it was added to the database (UTC, RFC 3339 with milliseconds).
    pub added_at: String,
    pub git_commit: Option<String>,
    pub hostname: String,
    pub cpu_model: String,
    /// Cells in the document, and how many of them failed.
    pub cells: usize,
    pub failed: usize,
    pub complete: bool,
    /// The file the run was added from.
    pub source: String,
}

/// The columns [`run_info`] reads, in its order, then the document.
const COLUMNS: &str = "run_id, timestamp, added_at, git_commit, hostname, cpu_model, cells, failed, complete, source, document";

/// Chronological order: by the run's timestamp, then by when it was added.
const ORDER: &str = "timestamp, added_at, rowid";

fn run_info(row: &Row) -> rusqlite::Result<RunInfo> {
    let count = |i: usize| {
        row.get::<_, i64>(i)
            .map(|n| usize::try_from(n).unwrap_or(0))
    };
    Ok(RunInfo {
        run_id: row.get(0)?,
        timestamp: row.get(1)?,
        added_at: row.get(2)?,
        git_commit: row.get(3)?,
        hostname: row.get(4)?,
        cpu_model: row.get(5)?,
        cells: count(6)?,
        failed: count(7)?,
        complete: row.get(8)?,
        source: row.get(9)?,
    })
}

impl Store {
    /// Every run, oldest first.
    pub fn list(&self) -> Result<Vec<RunInfo>, HistoryError> {
        let sql = format!("SELECT {COLUMNS} FROM runs ORDER BY {ORDER}");
        let read = || -> rusqlite::Result<Vec<RunInfo>> {
            self.conn.prepare(&sql)?.query_map([], run_info)?.collect()
        };
        read().map_err(HistoryError::sqlite(&self.path, "listing the runs"))
    }

    /// The stored documents, oldest first: all of them, or the `last` k.
    pub fn documents(&self, last: Option<usize>) -> Result<Vec<(RunInfo, Results)>, HistoryError> {
        // A negative LIMIT is no limit in SQLite.
        let limit = last.map_or(-1, |k| i64::try_from(k).unwrap_or(i64::MAX));
        let sql = format!(
            "SELECT {COLUMNS} FROM (SELECT rowid, * FROM runs ORDER BY timestamp DESC, added_at DESC, rowid DESC LIMIT ?1) ORDER BY {ORDER}"
        );
        let read = || -> rusqlite::Result<Vec<(RunInfo, String)>> {
            self.conn
                .prepare(&sql)?
                .query_map([limit], |row| Ok((run_info(row)?, row.get(10)?)))?
                .collect()
        };
        let rows = read().map_err(HistoryError::sqlite(
            &self.path,
            "reading the stored documents",
        ))?;
        rows.into_iter()
            .map(|(info, text)| match Results::from_json(&text) {
                Ok(results) => Ok((info, results)),
                Err(source) => Err(HistoryError::Document {
                    path: self.path.clone(),
                    run_id: info.run_id,
                    source,
                }),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::fixture::{run, store};

    #[test]
    fn runs_are_listed_in_the_order_they_were_made() {
        let (_dir, mut store) = store();
        // added out of order: the list follows the runs' timestamps
        for (at, base) in [
            ("2026-01-03T00:00:00Z", 3.0),
            ("2026-01-01T00:00:00Z", 1.0),
            ("2026-01-02T00:00:00Z", 2.0),
        ] {
            store
                .add(&run(at, base), &format!("run-{base}.json"))
                .expect("add");
        }
        let runs = store.list().expect("list");
        let sources: Vec<&str> = runs.iter().map(|r| r.source.as_str()).collect();
        assert_eq!(sources, ["run-1.json", "run-2.json", "run-3.json"]);
        let first = &runs[0];
        assert_eq!(first.timestamp, "2026-01-01T00:00:00Z");
        assert_eq!(first.git_commit.as_deref(), Some("commit-1"));
        assert_eq!(
            (first.hostname.as_str(), first.cpu_model.as_str()),
            ("host", "Example CPU")
        );
        assert_eq!((first.cells, first.failed, first.complete), (3, 1, true));
    }

    #[test]
    fn runs_made_at_the_same_time_keep_the_order_they_were_added() {
        let (_dir, mut store) = store();
        let ids: Vec<String> = (1..=3)
            .map(|i| {
                store
                    .add(&run("2026-01-01T00:00:00Z", f64::from(i)), "r.json")
                    .expect("add")
                    .run_id
            })
            .collect();
        let listed: Vec<String> = store
            .list()
            .expect("list")
            .into_iter()
            .map(|r| r.run_id)
            .collect();
        assert_eq!(listed, ids);
    }

    #[test]
    fn documents_come_back_whole_and_the_last_k_oldest_first() {
        let (_dir, mut store) = store();
        let runs: Vec<_> = (1..=3)
            .map(|day| run(&format!("2026-01-0{day}T00:00:00Z"), f64::from(day)))
            .collect();
        for r in runs.iter().rev() {
            store.add(r, "r.json").expect("add");
        }
        let all = store.documents(None).expect("documents");
        assert_eq!(all.iter().map(|(_, r)| r.clone()).collect::<Vec<_>>(), runs);
        let last = store.documents(Some(2)).expect("last two");
        assert_eq!(
            last.iter()
                .map(|(info, _)| info.timestamp.as_str())
                .collect::<Vec<_>>(),
            ["2026-01-02T00:00:00Z", "2026-01-03T00:00:00Z"]
        );
        assert_eq!(last[1].1, runs[2]);
        assert_eq!(
            last[1].1.cells[0].measurements[0].samples,
            vec![3.0; 10],
            "raw samples kept"
        );
        assert!(store.documents(Some(0)).expect("none").is_empty());
        assert_eq!(
            store
                .documents(Some(10))
                .expect("more than there are")
                .len(),
            3
        );
    }
}
