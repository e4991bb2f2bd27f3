//! `conformance.html`: the Markdown document's content as one self-contained page, the
//! matrix cells coloured by verdict and the PNG matrix embedded as a `data:` URI.

use base64::Engine as _;

use super::{cell_text, Matrix, MatrixExporter, Verdict};
use crate::chart::Chart;
use crate::export::escape;
use crate::ReportError;

pub struct MatrixHtml {
    pub chart: Option<Chart>,
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,'DejaVu Sans',sans-serif;margin:2em;color:#222}\
table{border-collapse:collapse;margin:1em 0;font-size:0.85em}th,td{border:1px solid #ccc;padding:0.2em 0.5em}\
th{background:#f3f3f3}td.pass{background:#d9f0d3}td.fail{background:#f6c6c7}td.error{background:#e3d0f0}\
td.known{background:#fbeeb8}img{max-width:100%;height:auto;border:1px solid #ddd}";

impl MatrixExporter for MatrixHtml {
    fn file_name(&self) -> &'static str {
        "conformance.html"
    }

    fn render(&self, matrix: &Matrix) -> Result<Vec<u8>, ReportError> {
        let mut out = format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <title>WASI conformance</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
             <h1>WASI conformance</h1>\n<p>{} tests from <code>{}</code> on {} backends. A known \
             failure is listed in the backend's expectations.</p>\n",
            matrix.tests.len(),
            escape(&matrix.suite),
            matrix.backends.len()
        );
        if let Some(c) = &self.chart {
            out.push_str(&format!(
                "<img src=\"data:image/png;base64,{}\" alt=\"{}\" width=\"1280\" height=\"720\">\n",
                base64::engine::general_purpose::STANDARD.encode(&c.png),
                escape(&c.title)
            ));
        }
        out.push_str("<table>\n<tr><th>test</th>");
        for b in &matrix.backends {
            out.push_str(&format!("<th>{}</th>", escape(b)));
        }
        out.push_str("</tr>\n");
        for t in &matrix.tests {
            out.push_str(&format!("<tr><td>{}</td>", escape(t)));
            for b in &matrix.backends {
                let row = matrix.get(t, b);
                let class = match row {
                    Some(r) if r.result != Verdict::Pass && r.known => "known",
                    Some(r) => r.result.as_str(),
                    None => "",
                };
                let title = row.map(|r| escape(&r.detail)).unwrap_or_default();
                out.push_str(&format!("<td class=\"{class}\" title=\"{title}\">{}</td>", escape(&cell_text(row))));
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</table>\n</body>\n</html>\n");
        Ok(out.into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coloured_cells_with_details() {
        let html = MatrixHtml { chart: None }.render(&crate::conformance::fixture_matrix()).expect("render");
        let html = String::from_utf8(html).expect("utf-8");
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.contains("<td class=\"fail\" title=\"exit code 3, expected 0; stdout &quot;fail 3\\n&quot;\">FAIL</td>"), "{html}");
        assert!(html.contains("<td class=\"known\""), "{html}");
        assert_eq!(html.matches("<td class=\"pass\"").count(), 4);
        assert!(!html.contains("src=\"http") && !html.contains("href="));
    }
}
