//! Trend queries: the medians of one metric across the runs, one series per cell.

use rusqlite::types::ToSql;
use rusqlite::Row;
use wasmbench_data::CellId;

use crate::store::Store;
use crate::HistoryError;

/// Which series [`Store::trend`] returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrendQuery {
    /// Only this backend, workload, language (exact names), when given.
    pub backend: Option<String>,
    pub workload: Option<String>,
    pub language: Option<String>,
    /// The mode (`warm`, `cold`, …) and the phase as the long format labels it (`execute`,
    /// `total`, `rate-c4`, …). Each is a glob: `*` matches anything (`*` alone: every mode or
    /// phase; `rate-*`: every concurrency), `?` one character; otherwise names match exactly.
    pub mode: String,
    pub phase: String,
}

impl TrendQuery {
    /// A query of every cell for the metric `MODE/PHASE` (`warm/execute`, `cold/total`,
    /// `*/execute`, `throughput/rate-*`).
    pub fn metric(metric: &str) -> Result<TrendQuery, HistoryError> {
        match metric.split_once('/') {
            Some((mode, phase))
                if !mode.is_empty() && !phase.is_empty() && !phase.contains('/') =>
            {
                Ok(TrendQuery {
                    backend: None,
                    workload: None,
                    language: None,
                    mode: mode.to_string(),
                    phase: phase.to_string(),
                })
            }
            _ => Err(HistoryError::Metric(metric.to_string())),
        }
    }
}

/// The medians of one (cell, mode, phase) across the runs.
#[derive(Debug, Clone, PartialEq)]
pub struct TrendSeries {
    pub cell: CellId,
    pub mode: String,
    /// The phase's long-format label (`execute`, `rate-c4`, `instance-rss-k100`).
    pub phase: String,
    pub unit: String,
    /// Oldest run first.
    pub points: Vec<TrendPoint>,
}

/// One run's median of a series.
#[derive(Debug, Clone, PartialEq)]
pub struct TrendPoint {
    pub run_id: String,
    pub timestamp: String,
    pub git_commit: Option<String>,
    /// The median, and the bootstrap 95% confidence interval of the median (NaN where the
    /// run stored no number).
    pub median: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    /// Samples behind the median.
    pub n: usize,
}

/// Key of a series: backend, workload, language, mode, phase, unit.
type Key = [String; 6];

impl Store {
    /// The series matching `query`, ordered by backend, workload, language, mode and phase,
    /// each with its points oldest run first. Series of the same cell, mode and phase but of
    /// another unit (which the harness never writes) are kept apart.
    pub fn trend(&self, query: &TrendQuery) -> Result<Vec<TrendSeries>, HistoryError> {
        let mut sql = String::from(
            "SELECT m.backend, m.workload, m.language, m.mode, m.phase, m.unit,
                    r.run_id, r.timestamp, r.git_commit, m.median, m.ci_low, m.ci_high, m.n
             FROM medians m JOIN runs r ON r.run_id = m.run_id
             WHERE m.mode GLOB ? AND m.phase GLOB ?",
        );
        let mut params: Vec<&dyn ToSql> = vec![&query.mode, &query.phase];
        for (column, value) in [
            ("backend", &query.backend),
            ("workload", &query.workload),
            ("language", &query.language),
        ] {
            if let Some(value) = value {
                sql.push_str(&format!(" AND m.{column} = ?"));
                params.push(value);
            }
        }
        sql.push_str(" ORDER BY m.backend, m.workload, m.language, m.mode, m.phase, m.unit, r.timestamp, r.added_at, r.rowid");
        let read = || -> rusqlite::Result<Vec<(Key, TrendPoint)>> {
            self.conn
                .prepare(&sql)?
                .query_map(params.as_slice(), point)?
                .collect()
        };
        let rows = read().map_err(HistoryError::sqlite(&self.path, "querying a trend"))?;
        Ok(series(rows))
    }
}

fn point(row: &Row) -> rusqlite::Result<(Key, TrendPoint)> {
    let number = |i: usize| row.get::<_, Option<f64>>(i).map(|v| v.unwrap_or(f64::NAN));
    let key = [
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
    ];
    let point = TrendPoint {
        run_id: row.get(6)?,
        timestamp: row.get(7)?,
        git_commit: row.get(8)?,
        median: number(9)?,
        ci_low: number(10)?,
        ci_high: number(11)?,
        n: usize::try_from(row.get::<_, i64>(12)?).unwrap_or(0),
    };
    Ok((key, point))
}

/// Group rows sorted by key into one series per key.
fn series(rows: Vec<(Key, TrendPoint)>) -> Vec<TrendSeries> {
    let mut out: Vec<(Key, TrendSeries)> = Vec::new();
    for (key, point) in rows {
        match out.last_mut() {
            Some((last, series)) if *last == key => series.points.push(point),
            _ => {
                let [backend, workload, language, mode, phase, unit] = key.clone();
                let cell = CellId {
                    backend,
                    workload,
                    language,
                };
                out.push((
                    key,
                    TrendSeries {
                        cell,
                        mode,
                        phase,
                        unit,
                        points: vec![point],
                    },
                ));
            }
        }
    }
    out.into_iter().map(|(_, series)| series).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::{run, store};

    /// Three runs added newest first, made on days 1, 2 and 3 with base medians 100, 110, 120.
    fn three_runs() -> (tempfile::TempDir, Store) {
        let (dir, mut store) = store();
        for (day, base) in [(3, 120.0), (1, 100.0), (2, 110.0)] {
            store
                .add(&run(&format!("2026-01-0{day}T00:00:00Z"), base), "r.json")
                .expect("add");
        }
        (dir, store)
    }

    fn query(metric: &str) -> TrendQuery {
        TrendQuery::metric(metric).expect("metric")
    }

    #[test]
    fn a_series_has_one_point_per_run_oldest_first() {
        let (_dir, store) = three_runs();
        let q = TrendQuery {
            backend: Some("wasmtime".into()),
            ..query("warm/execute")
        };
        let series = store.trend(&q).expect("trend");
        assert_eq!(series.len(), 1);
        let s = &series[0];
        assert_eq!(
            s.cell,
            CellId {
                backend: "wasmtime".into(),
                workload: "fib".into(),
                language: "c".into()
            }
        );
        assert_eq!(
            (s.mode.as_str(), s.phase.as_str(), s.unit.as_str()),
            ("warm", "execute", "ns")
        );
        let medians: Vec<(f64, f64, f64, usize)> = s
            .points
            .iter()
            .map(|p| (p.median, p.ci_low, p.ci_high, p.n))
            .collect();
        assert_eq!(
            medians,
            [
                (100.0, 99.0, 101.0, 10),
                (110.0, 109.0, 111.0, 10),
                (120.0, 119.0, 121.0, 10)
            ]
        );
        let days: Vec<&str> = s.points.iter().map(|p| &p.timestamp[..10]).collect();
        assert_eq!(days, ["2026-01-01", "2026-01-02", "2026-01-03"]);
        assert_eq!(s.points[0].git_commit.as_deref(), Some("commit-100"));
        let listed: Vec<String> = store
            .list()
            .expect("list")
            .into_iter()
            .map(|r| r.run_id)
            .collect();
        assert_eq!(
            s.points
                .iter()
                .map(|p| p.run_id.clone())
                .collect::<Vec<_>>(),
            listed
        );
    }

    #[test]
    fn every_cell_of_the_metric_without_filters() {
        let (_dir, store) = three_runs();
        let series = store.trend(&query("warm/execute")).expect("trend");
        let cells: Vec<String> = series.iter().map(|s| s.cell.to_string()).collect();
        assert_eq!(cells, ["wasmi × fib (rust)", "wasmtime × fib (c)"]);
        assert_eq!(
            series[0]
                .points
                .iter()
                .map(|p| p.median)
                .collect::<Vec<_>>(),
            [300.0, 330.0, 360.0]
        );
    }

    #[test]
    fn wildcards_match_any_mode_or_phase() {
        let (_dir, store) = three_runs();
        let q = TrendQuery {
            backend: Some("wasmtime".into()),
            ..query("*/*")
        };
        let metrics: Vec<String> = store
            .trend(&q)
            .expect("trend")
            .iter()
            .map(|s| format!("{}/{}", s.mode, s.phase))
            .collect();
        assert_eq!(
            metrics,
            ["cold/total", "throughput/rate-c4", "warm/execute"]
        );
        assert_eq!(store.trend(&query("*/execute")).expect("trend").len(), 2);
        assert_eq!(store.trend(&query("cold/*")).expect("trend").len(), 1);
        let rate = store.trend(&query("throughput/rate-*")).expect("trend");
        assert_eq!(
            (rate.len(), rate[0].unit.as_str(), rate[0].points.len()),
            (1, "per-second", 3)
        );
    }

    #[test]
    fn filters_are_exact_names() {
        let (_dir, store) = three_runs();
        let trend = |backend: Option<&str>, workload: Option<&str>, language: Option<&str>| {
            let q = TrendQuery {
                backend: backend.map(Into::into),
                workload: workload.map(Into::into),
                language: language.map(Into::into),
                ..query("*/*")
            };
            store.trend(&q).expect("trend").len()
        };
        assert_eq!(trend(None, None, None), 4);
        assert_eq!(trend(Some("wasmi"), None, None), 1);
        assert_eq!(trend(None, Some("fib"), Some("c")), 3);
        assert_eq!(trend(None, None, Some("rust")), 1);
        assert_eq!(trend(Some("wasm"), None, None), 0, "no prefix match");
        assert_eq!(
            trend(Some("wasmi"), Some("hello"), None),
            0,
            "a failed cell has no medians"
        );
        assert!(store.trend(&query("warm/total")).expect("trend").is_empty());
    }

    #[test]
    fn a_metric_is_mode_slash_phase() {
        assert_eq!(
            (
                query("*/execute").mode.as_str(),
                query("*/execute").phase.as_str()
            ),
            ("*", "execute")
        );
        for bad in ["warm", "warm/", "/execute", "warm/execute/x", ""] {
            let err = TrendQuery::metric(bad).expect_err(bad);
            assert!(err.to_string().contains("MODE/PHASE"), "{err}");
        }
    }
}
