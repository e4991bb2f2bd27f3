//! Analysis: descriptive statistics of a measurement's samples.

use wasmbench_data::Summary;

/// Summarise samples; `None` when there are none or any is not finite.
pub fn summarize(samples: &[f64]) -> Option<Summary> {
    if samples.is_empty() || samples.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    let mean = sorted.iter().sum::<f64>() / n as f64;
    let stddev = if n > 1 {
        let var = sorted.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        var.sqrt()
    } else {
        0.0
    };
    Some(Summary {
        n,
        min: sorted[0],
        median: quantile(&sorted, 0.5),
        mean,
        p90: quantile(&sorted, 0.9),
        p99: quantile(&sorted, 0.99),
        max: sorted[n - 1],
        stddev,
    })
}

/// Quantile `q` of sorted, non-empty data by linear interpolation between closest ranks
/// (Hyndman & Fan type 7, the default of R and NumPy).
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    debug_assert!(!sorted.is_empty());
    let pos = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        let s = summarize(&[4.0, 1.0, 3.0, 2.0, 5.0]).expect("summary");
        assert_eq!((s.n, s.min, s.max), (5, 1.0, 5.0));
        assert_eq!(s.median, 3.0);
        assert_eq!(s.mean, 3.0);
        assert!((s.p90 - 4.6).abs() < 1e-12, "{}", s.p90);
        assert!((s.p99 - 4.96).abs() < 1e-12, "{}", s.p99);
        assert!((s.stddev - 2.5f64.sqrt()).abs() < 1e-12, "{}", s.stddev);
    }

    #[test]
    fn even_count_median_interpolates() {
        assert_eq!(summarize(&[1.0, 2.0, 3.0, 10.0]).expect("s").median, 2.5);
    }

    #[test]
    fn single_sample_and_empty() {
        let s = summarize(&[7.0]).expect("summary");
        assert_eq!((s.median, s.p99, s.stddev), (7.0, 7.0, 0.0));
        assert!(summarize(&[]).is_none());
        assert!(summarize(&[1.0, f64::NAN]).is_none());
    }
}
