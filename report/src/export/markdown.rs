//! `report.md`: environment, method, charts (as links to the PNG files beside it) and the
//! result tables with confidence intervals.

use wasmbench_data::Results;

use crate::document::{build, Block, ChartRef};
use crate::{Exporter, ReportError, ReportInputs};

/// Renders the report as Markdown; the charts are referred to by file name.
#[derive(Debug, Clone, Default)]
pub struct MarkdownExporter {
    pub charts: Vec<ChartRef>,
    /// Why some chart kinds are missing.
    pub notes: Vec<String>,
    /// The pricing model and workload shapes of the comparison sections.
    pub inputs: ReportInputs,
}

impl Exporter for MarkdownExporter {
    fn format(&self) -> &'static str {
        "markdown"
    }

    fn file_name(&self) -> &'static str {
        "report.md"
    }

    fn render(&self, results: &Results) -> Result<Vec<u8>, ReportError> {
        Ok(markdown(&build(results, &self.charts, &self.notes, &self.inputs)).into_bytes())
    }
}

/// Markdown of a document.
pub fn markdown(blocks: &[Block]) -> String {
    let mut out = String::new();
    for block in blocks {
        match block {
            Block::Heading(level, text) => {
                out.push_str(&"#".repeat(usize::from(*level)));
                out.push(' ');
                out.push_str(text);
                out.push('\n');
            }
            Block::Paragraph(text) => {
                out.push_str(text);
                out.push('\n');
            }
            Block::List(items) => {
                for item in items {
                    out.push_str("- ");
                    out.push_str(item);
                    out.push('\n');
                }
            }
            Block::Table(header, numeric, rows) => {
                let line = |cells: &[String]| {
                    let cells: Vec<String> = cells.iter().map(|c| c.replace('|', "\\|")).collect();
                    format!("| {} |\n", cells.join(" | "))
                };
                out.push_str(&line(header));
                let align: Vec<String> = (0..header.len())
                    .map(|i| if numeric.get(i).copied().unwrap_or(false) { "---:".into() } else { "---".into() })
                    .collect();
                out.push_str(&format!("|{}|\n", align.join("|")));
                for row in rows {
                    out.push_str(&line(row));
                }
            }
            Block::Image(file, title) => {
                out.push_str(&format!("![{title}]({file})\n"));
            }
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture;

    #[test]
    fn snapshot_of_the_synthetic_run() {
        let exporter = MarkdownExporter {
            charts: vec![
                ChartRef {
                    file_name: "cold-start-fib.png".into(),
                    title: "Cold start by phase — fib".into(),
                    caption: "Median of each phase.".into(),
                },
                // Shown in the Machine section, not among the charts.
                ChartRef {
                    file_name: "machine-speed.png".into(),
                    title: "Machine speed during the run (drift 26% of median)".into(),
                    caption: "The drift sentinel's probes.".into(),
                },
            ],
            notes: vec!["All measured modules are in one source language.".into()],
            inputs: ReportInputs::default(),
        };
        let text = String::from_utf8(exporter.render(&fixture::results()).expect("render")).expect("utf-8");
        insta::assert_snapshot!(text);
    }
}
