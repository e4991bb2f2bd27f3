//! `report.html`: the Markdown report's content as one self-contained page, charts embedded
//! as base64 `data:` URIs, styles inline: no external asset.

use base64::Engine as _;
use wasmbench_data::Results;

use crate::chart::Chart;
use crate::document::{build, Block, ChartRef};
use crate::{Exporter, ReportError, ReportInputs};

#[derive(Debug, Clone, Default)]
pub struct HtmlExporter {
    pub charts: Vec<Chart>,
    pub notes: Vec<String>,
    /// The pricing model and workload shapes of the comparison sections.
    pub inputs: ReportInputs,
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,'DejaVu Sans',sans-serif;max-width:1320px;\
margin:2em auto;padding:0 1em;color:#222;line-height:1.45}\
table{border-collapse:collapse;margin:1em 0;font-size:0.9em}\
th,td{border:1px solid #ccc;padding:0.25em 0.6em;vertical-align:top}\
th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\
img{max-width:100%;height:auto;border:1px solid #ddd}code{background:#f3f3f3;padding:0 0.2em}";

impl Exporter for HtmlExporter {
    fn format(&self) -> &'static str {
        "html"
    }

    fn file_name(&self) -> &'static str {
        "report.html"
    }

    fn render(&self, results: &Results) -> Result<Vec<u8>, ReportError> {
        let refs: Vec<ChartRef> = self
            .charts
            .iter()
            .map(|c| ChartRef { file_name: c.file_name.clone(), title: c.title.clone(), caption: c.caption.clone() })
            .collect();
        let blocks = build(results, &refs, &self.notes, &self.inputs);
        let mut out = format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <title>wasmbench report</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        );
        for block in &blocks {
            match block {
                Block::Heading(level, text) => out.push_str(&format!("<h{level}>{}</h{level}>\n", inline(text))),
                Block::Paragraph(text) => out.push_str(&format!("<p>{}</p>\n", inline(text))),
                Block::List(items) => {
                    out.push_str("<ul>\n");
                    for item in items {
                        out.push_str(&format!("<li>{}</li>\n", inline(item)));
                    }
                    out.push_str("</ul>\n");
                }
                Block::Table(header, numeric, rows) => {
                    out.push_str("<table>\n<tr>");
                    for h in header {
                        out.push_str(&format!("<th>{}</th>", inline(h)));
                    }
                    out.push_str("</tr>\n");
                    for row in rows {
                        out.push_str("<tr>");
                        for (i, cell) in row.iter().enumerate() {
                            let class = if numeric.get(i).copied().unwrap_or(false) { " class=\"n\"" } else { "" };
                            out.push_str(&format!("<td{class}>{}</td>", inline(cell)));
                        }
                        out.push_str("</tr>\n");
                    }
                    out.push_str("</table>\n");
                }
                Block::Image(file, title) => {
                    let png = self.charts.iter().find(|c| &c.file_name == file).map(|c| &c.png);
                    match png {
                        Some(png) => out.push_str(&format!(
                            "<img src=\"data:image/png;base64,{}\" alt=\"{}\" width=\"1280\" height=\"720\">\n",
                            base64::engine::general_purpose::STANDARD.encode(png),
                            escape(title)
                        )),
                        None => out.push_str(&format!("<p>(chart {} not rendered)</p>\n", escape(file))),
                    }
                }
            }
        }
        out.push_str("</body>\n</html>\n");
        Ok(out.into_bytes())
    }
}

pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// Escape text and turn `code spans` into `<code>` elements (an unpaired backtick stays).
fn inline(s: &str) -> String {
    let parts: Vec<&str> = s.split('`').collect();
    // With an odd number of backticks the last one has no partner.
    let paired = if parts.len() % 2 == 1 { parts.len() } else { parts.len() - 1 };
    let mut out = String::new();
    for (i, part) in parts.iter().enumerate() {
        if i >= paired {
            out.push('`');
            out.push_str(&escape(part));
        } else if i % 2 == 1 {
            out.push_str(&format!("<code>{}</code>", escape(part)));
        } else {
            out.push_str(&escape(part));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture;

    #[test]
    fn self_contained_page_with_embedded_chart() {
        let exporter = HtmlExporter {
            charts: vec![Chart {
                file_name: "x.png".into(),
                title: "A <chart>".into(),
                caption: "caption".into(),
                png: vec![0x89, b'P', b'N', b'G'],
            }],
            notes: vec![],
            inputs: ReportInputs::default(),
        };
        let html = String::from_utf8(exporter.render(&fixture::results()).expect("render")).expect("utf-8");
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.contains("<img src=\"data:image/png;base64,iVBORw==\" alt=\"A &lt;chart&gt;\""), "{html}");
        assert!(html.contains("<h1>wasmbench report</h1>"));
        assert!(html.contains("<td class=\"n\">"));
        assert!(html.contains("<h2>Machine</h2>") && html.contains("<td>wasmi × fib (c)</td>"), "{html}");
        // No external asset: nothing is loaded from anywhere else.
        assert!(!html.contains("src=\"http") && !html.contains("href="));
    }

    #[test]
    fn inline_code_and_escaping() {
        assert_eq!(inline("a `b<c>` d"), "a <code>b&lt;c&gt;</code> d");
        assert_eq!(inline("x & y"), "x &amp; y");
        assert_eq!(inline("odd ` tick"), "odd ` tick");
    }
}
