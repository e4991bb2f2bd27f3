//! Long-format CSV: one row per backend × workload × mode × phase × statistic.

use wasmbench_data::Results;

use crate::{Exporter, ReportError};

pub struct CsvExporter;

impl Exporter for CsvExporter {
    fn format(&self) -> &'static str {
        "csv"
    }

    fn file_name(&self) -> &'static str {
        "results.csv"
    }

    fn render(&self, results: &Results) -> Result<Vec<u8>, ReportError> {
        let err = |e: csv::Error| ReportError::Serialise {
            format: "csv",
            message: e.to_string(),
        };
        let mut writer = csv::Writer::from_writer(Vec::new());
        // Written explicitly so that an empty run still has its header.
        writer
            .write_record([
                "backend", "kind", "workload", "language", "mode", "phase", "statistic", "value",
                "unit", "note",
            ])
            .map_err(err)?;
        for row in results.rows() {
            let value = row.value.map(format_value).unwrap_or_default();
            writer
                .write_record([
                    &row.backend,
                    &row.kind,
                    &row.workload,
                    &row.language,
                    &row.mode,
                    &row.phase,
                    &row.statistic,
                    &value,
                    &row.unit,
                    &row.note,
                ])
                .map_err(err)?;
        }
        writer.into_inner().map_err(|e| ReportError::Serialise {
            format: "csv",
            message: e.to_string(),
        })
    }
}

/// Integers without a fraction, everything else with enough digits to round-trip.
fn format_value(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v:.3}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmbench_data::*;

    #[test]
    fn header_and_rows() {
        let mut results = Results::new(Environment::default(), RunConfig::default());
        results.cells.push(Cell {
            id: CellId {
                backend: "wasmtime-cranelift".into(),
                workload: "fib".into(),
                language: "c".into(),
            },
            kind: BackendKind::Jit,
            flags: vec![],
            module_bytes: 1234,
            module_features: vec![],
            artifact_bytes: None,
            error: None,
            measurements: vec![Measurement {
                mode: Mode::Warm,
                phase: Phase::Execute,
                unit: Unit::Nanoseconds,
                summary: Summary {
                    n: 2,
                    min: 1.0,
                    median: 1.5,
                    mean: 1.5,
                    p90: 1.9,
                    p99: 1.99,
                    max: 2.0,
                    stddev: std::f64::consts::FRAC_1_SQRT_2,
                    median_ci95: [1.0, 2.0],
                    mean_ci95: [1.0, 2.0],
                    mad: 0.5,
                    cv: 0.4714045207910317,
                    outliers: 0,
                    severe_outliers: 0,
                },
                samples: vec![1.0, 2.0],
                instances: None,
                concurrency: None,
            }],
            machine: vec![],
            disturbed: vec![],
            shard: None,
        });
        results.cells.push(Cell {
            id: CellId {
                backend: "wasmtime-cranelift".into(),
                workload: "spin".into(),
                language: "wat".into(),
            },
            kind: BackendKind::Jit,
            flags: vec![],
            module_bytes: 40,
            module_features: vec![],
            artifact_bytes: None,
            error: Some(CellError {
                kind: ErrorKind::Timeout,
                message: "deadline exceeded, \"10 s\"".into(),
            }),
            measurements: vec![],
            machine: vec![],
            disturbed: vec![],
            shard: None,
        });
        let text = String::from_utf8(CsvExporter.render(&results).expect("csv")).expect("utf8");
        let expected = "\
backend,kind,workload,language,mode,phase,statistic,value,unit,note
wasmtime-cranelift,jit,fib,c,once,module-size,value,1234,bytes,
wasmtime-cranelift,jit,fib,c,warm,execute,n,2,count,
wasmtime-cranelift,jit,fib,c,warm,execute,min,1,ns,
wasmtime-cranelift,jit,fib,c,warm,execute,median,1.500,ns,
wasmtime-cranelift,jit,fib,c,warm,execute,median_ci95_lo,1,ns,
wasmtime-cranelift,jit,fib,c,warm,execute,median_ci95_hi,2,ns,
wasmtime-cranelift,jit,fib,c,warm,execute,mean,1.500,ns,
wasmtime-cranelift,jit,fib,c,warm,execute,mean_ci95_lo,1,ns,
wasmtime-cranelift,jit,fib,c,warm,execute,mean_ci95_hi,2,ns,
wasmtime-cranelift,jit,fib,c,warm,execute,p90,1.900,ns,
wasmtime-cranelift,jit,fib,c,warm,execute,p99,1.990,ns,
wasmtime-cranelift,jit,fib,c,warm,execute,max,2,ns,
wasmtime-cranelift,jit,fib,c,warm,execute,stddev,0.707,ns,
wasmtime-cranelift,jit,fib,c,warm,execute,mad,0.500,ns,
wasmtime-cranelift,jit,fib,c,warm,execute,cv,0.471,ratio,
wasmtime-cranelift,jit,fib,c,warm,execute,outliers,0,count,
wasmtime-cranelift,jit,spin,wat,,timeout,error,,,\"deadline exceeded, \"\"10 s\"\"\"
";
        assert_eq!(text, expected);
    }

    #[test]
    fn snapshot_of_the_synthetic_run() {
        let text = String::from_utf8(CsvExporter.render(&crate::fixture::results()).expect("csv")).expect("utf8");
        insta::assert_snapshot!(text);
    }
}
