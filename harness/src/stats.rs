//! Analysis: descriptive statistics of a measurement's samples, with bootstrap confidence
//! intervals and outlier counts; the two-sample test and interval `wasmbench compare` uses.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use statrs::distribution::{ContinuousCDF, Normal};
use wasmbench_data::Summary;

/// Bootstrap resamples per confidence interval.
const RESAMPLES: usize = 2000;
/// Fixed seed: the same samples always give the same intervals.
const SEED: u64 = 0x5eed_0f_ba5e;

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
    let median = quantile(&sorted, 0.5);
    let mut deviations: Vec<f64> = sorted.iter().map(|v| (v - median).abs()).collect();
    deviations.sort_by(f64::total_cmp);
    let (q1, q3) = (quantile(&sorted, 0.25), quantile(&sorted, 0.75));
    let iqr = q3 - q1;
    let outside = |k: f64| {
        sorted
            .iter()
            .filter(|&&v| v < q1 - k * iqr || v > q3 + k * iqr)
            .count()
    };
    let (median_ci95, mean_ci95) = bootstrap_ci95(&sorted);
    Some(Summary {
        n,
        min: sorted[0],
        median,
        mean,
        p90: quantile(&sorted, 0.9),
        p99: quantile(&sorted, 0.99),
        max: sorted[n - 1],
        stddev,
        median_ci95,
        mean_ci95,
        mad: quantile(&deviations, 0.5),
        cv: if mean != 0.0 { stddev / mean.abs() } else { 0.0 },
        outliers: outside(1.5),
        severe_outliers: outside(3.0),
    })
}

/// Percentile-bootstrap 95% confidence intervals of the median and of the mean.
fn bootstrap_ci95(data: &[f64]) -> ([f64; 2], [f64; 2]) {
    let n = data.len();
    if n < 2 {
        return ([data[0], data[0]], [data[0], data[0]]);
    }
    let mut rng = StdRng::seed_from_u64(SEED);
    let mut medians = Vec::with_capacity(RESAMPLES);
    let mut means = Vec::with_capacity(RESAMPLES);
    let mut resample = vec![0.0; n];
    for _ in 0..RESAMPLES {
        resample_into(&mut rng, data, &mut resample);
        means.push(resample.iter().sum::<f64>() / n as f64);
        resample.sort_by(f64::total_cmp);
        medians.push(quantile(&resample, 0.5));
    }
    medians.sort_by(f64::total_cmp);
    means.sort_by(f64::total_cmp);
    let ci = |v: &[f64]| [quantile(v, 0.025), quantile(v, 0.975)];
    (ci(&medians), ci(&means))
}

/// Fill `out` with `out.len()` draws from `data`, with replacement.
fn resample_into(rng: &mut StdRng, data: &[f64], out: &mut [f64]) {
    for slot in out.iter_mut() {
        *slot = data[rng.gen_range(0..data.len())];
    }
}

/// Median of unsorted, non-empty data.
pub fn median(data: &[f64]) -> f64 {
    let mut sorted = data.to_vec();
    sorted.sort_by(f64::total_cmp);
    quantile(&sorted, 0.5)
}

/// Percentile-bootstrap 95% confidence interval of `median(new) / median(base)`: both
/// samples are resampled independently (2000 times, fixed seed). Both must be non-empty;
/// a zero baseline median gives infinite or NaN bounds.
pub fn median_ratio_ci95(base: &[f64], new: &[f64]) -> [f64; 2] {
    let mut rng = StdRng::seed_from_u64(SEED);
    let (mut b, mut n) = (vec![0.0; base.len()], vec![0.0; new.len()]);
    let mut ratios = Vec::with_capacity(RESAMPLES);
    for _ in 0..RESAMPLES {
        resample_into(&mut rng, base, &mut b);
        resample_into(&mut rng, new, &mut n);
        b.sort_by(f64::total_cmp);
        n.sort_by(f64::total_cmp);
        ratios.push(quantile(&n, 0.5) / quantile(&b, 0.5));
    }
    ratios.sort_by(f64::total_cmp);
    [quantile(&ratios, 0.025), quantile(&ratios, 0.975)]
}

/// Two-sided p-value of the Mann–Whitney U test (Wilcoxon rank-sum) that `a` and `b` come
/// from the same distribution: normal approximation with tie correction and continuity
/// correction. 1 when either sample is empty or every value is tied (no evidence).
pub fn mann_whitney_p(a: &[f64], b: &[f64]) -> f64 {
    let (n1, n2) = (a.len() as f64, b.len() as f64);
    if a.is_empty() || b.is_empty() {
        return 1.0;
    }
    // Ranks of the pooled sample, ties sharing their average rank.
    let mut pooled: Vec<(f64, bool)> = a.iter().map(|&v| (v, true)).chain(b.iter().map(|&v| (v, false))).collect();
    pooled.sort_by(|x, y| x.0.total_cmp(&y.0));
    let n = pooled.len();
    let (mut rank_sum_a, mut tie_term) = (0.0, 0.0);
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j + 1 < n && pooled[j + 1].0 == pooled[i].0 {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0 + 1.0;
        let ties = (j - i + 1) as f64;
        tie_term += ties.powi(3) - ties;
        rank_sum_a += rank * pooled[i..=j].iter().filter(|p| p.1).count() as f64;
        i = j + 1;
    }
    let u = rank_sum_a - n1 * (n1 + 1.0) / 2.0;
    let mean = n1 * n2 / 2.0;
    let total = n1 + n2;
    let variance = n1 * n2 / 12.0 * ((total + 1.0) - tie_term / (total * (total - 1.0)));
    if !(variance > 0.0) {
        return 1.0;
    }
    let z = ((u - mean).abs() - 0.5).max(0.0) / variance.sqrt();
    let normal = Normal::standard();
    (2.0 * (1.0 - normal.cdf(z))).clamp(0.0, 1.0)
}

/// Distribution-free 95% confidence interval of the median: the order statistics
/// (x₍ₖ₎, x₍ₙ₋ₖ₊₁₎) with the largest k for which a Binomial(n, ½) count falls below k with
/// probability at most 2.5%. Exact for any continuous distribution, and conservative for
/// few samples where a bootstrap interval is too narrow (`None` below 6 samples, where
/// no such interval reaches 95%, or when a sample is not finite).
pub fn median_ci95_order(samples: &[f64]) -> Option<(f64, f64)> {
    use statrs::distribution::{Binomial, DiscreteCDF};
    let n = samples.len();
    if n < 6 || samples.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let binomial = Binomial::new(0.5, n as u64).ok()?;
    // P(count ≤ k - 1) ≤ 0.025 ⇔ the interval misses the median with at most 5%.
    let k = (1..=n / 2).take_while(|&k| binomial.cdf(k as u64 - 1) <= 0.025).last()?;
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    Some((sorted[k - 1], sorted[n - k]))
}

/// Half-width of the Student's t 95% confidence interval of the mean of `values`
/// (`None` for fewer than 2 values or a value that is not finite).
pub fn mean_ci95_half_width(values: &[f64]) -> Option<f64> {
    use statrs::distribution::StudentsT;
    let n = values.len();
    if n < 2 || values.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let t = StudentsT::new(0.0, 1.0, (n - 1) as f64).ok()?.inverse_cdf(0.975);
    Some(t * (variance / n as f64).sqrt())
}

/// Whether a warm series of samples taken in rounds (processes) is known to within
/// ±`precision_pct`% of its median, the criterion for giving a cell another round.
///
/// Judged on the distribution-free interval of the median, which few samples cannot make
/// look precise (a bootstrap interval of 6 samples can be narrow by luck); below 6 samples
/// there is none, so the answer is no. Samples of one process are not independent of each
/// other: rounds that disagree (one process, or one minute, slower than the rest) also
/// count as imprecise, until the mean of the rounds' medians is known to within the target
/// (Student's t). `round_ends` holds the number of samples at the end of each round.
pub fn precise_enough(values: &[f64], round_ends: &[usize], precision_pct: f64) -> bool {
    let Some((lo, hi)) = median_ci95_order(values) else {
        return false;
    };
    let middle = median(values);
    if middle <= 0.0 {
        return true;
    }
    let imprecise = |half_width: f64| half_width / middle * 100.0 > precision_pct;
    let mut start = 0;
    let mut medians = Vec::new();
    for &end in round_ends {
        if end > start {
            medians.push(median(&values[start..end]));
        }
        start = end;
    }
    !(imprecise((hi - lo) / 2.0) || mean_ci95_half_width(&medians).is_some_and(imprecise))
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
    fn precision_needs_six_samples_a_narrow_interval_and_agreeing_rounds() {
        let tight = [100.0, 100.5, 99.5, 100.2, 99.8, 100.1, 99.9, 100.0];
        assert!(!precise_enough(&tight[..5], &[5], 2.0), "no interval below 6 samples");
        assert!(precise_enough(&tight, &[8], 2.0));
        assert!(!precise_enough(&tight, &[8], 0.1), "a tighter target is not met");
        let wide = [80.0, 120.0, 90.0, 110.0, 100.0, 70.0, 130.0, 100.0];
        assert!(!precise_enough(&wide, &[8], 2.0));
        // Each round agrees within itself, but the rounds disagree by 10%.
        let rounds = [100.0, 100.1, 99.9, 100.0, 110.0, 110.1, 109.9, 110.0, 100.0, 100.1, 99.9, 100.0];
        assert!(!precise_enough(&rounds, &[4, 8, 12], 5.0), "rounds that disagree");
        assert!(precise_enough(&rounds[..4].repeat(3), &[4, 8, 12], 5.0), "rounds that agree");
    }

    #[test]
    fn t_interval_of_the_mean() {
        assert_eq!(mean_ci95_half_width(&[3.0]), None);
        // n = 3, sd = 1: t(0.975, 2) = 4.303 → 4.303 / √3.
        let h = mean_ci95_half_width(&[1.0, 2.0, 3.0]).expect("interval");
        assert!((h - 4.302_653 / 3f64.sqrt()).abs() < 1e-4, "{h}");
        assert_eq!(mean_ci95_half_width(&[5.0, 5.0, 5.0]), Some(0.0));
    }

    #[test]
    fn order_statistic_interval_of_the_median() {
        assert_eq!(median_ci95_order(&[1.0, 2.0, 3.0, 4.0, 5.0]), None, "too few for 95%");
        // n = 6: only (min, max) covers 95% (96.9%).
        assert_eq!(median_ci95_order(&[6.0, 1.0, 5.0, 2.0, 4.0, 3.0]), Some((1.0, 6.0)));
        // n = 16: (x₄, x₁₃), 97.9% (x₅, x₁₂ would be 92.3%).
        let v: Vec<f64> = (1..=16).map(f64::from).collect();
        assert_eq!(median_ci95_order(&v), Some((4.0, 13.0)));
        // n = 100: (x₄₀, x₆₁), as in the tables.
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(median_ci95_order(&v), Some((40.0, 61.0)));
        assert_eq!(median_ci95_order(&[1.0, 2.0, 3.0, 4.0, 5.0, f64::NAN]), None);
    }

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
    fn confidence_intervals_bracket_the_estimate_and_narrow_with_n() {
        let noisy = |n: usize| -> Vec<f64> { (0..n).map(|i| 100.0 + ((i * 37) % 11) as f64).collect() };
        let small = summarize(&noisy(10)).expect("summary");
        let large = summarize(&noisy(1000)).expect("summary");
        for s in [&small, &large] {
            assert!(s.median_ci95[0] <= s.median && s.median <= s.median_ci95[1], "{s:?}");
            assert!(s.mean_ci95[0] <= s.mean && s.mean <= s.mean_ci95[1], "{s:?}");
        }
        let width = |s: &Summary| s.mean_ci95[1] - s.mean_ci95[0];
        assert!(width(&large) < width(&small) / 3.0, "{} vs {}", width(&large), width(&small));
        // Deterministic: the same samples give the same interval.
        assert_eq!(summarize(&noisy(10)).expect("summary"), small);
    }

    #[test]
    fn outliers_mad_and_cv() {
        let mut v: Vec<f64> = (1..=20).map(f64::from).collect();
        v.push(1000.0);
        let s = summarize(&v).expect("summary");
        assert_eq!((s.outliers, s.severe_outliers), (1, 1));
        assert_eq!(s.mad, 5.0);
        assert!(s.cv > 1.0, "{}", s.cv);
        let flat = summarize(&[3.0, 3.0, 3.0]).expect("summary");
        assert_eq!((flat.cv, flat.mad, flat.outliers), (0.0, 0.0, 0));
    }

    #[test]
    fn mann_whitney_matches_known_values() {
        // Completely separated samples of 5 and 5: U = 0, mean 12.5, variance 25·11/12,
        // z = (12.5 - 0.5) / 4.787 = 2.507, two-sided p = 2·(1 - Φ(2.507)) = 0.0122.
        let a = [1.0, 2.0, 3.0, 4.0, 5.0];
        let b = [6.0, 7.0, 8.0, 9.0, 10.0];
        let p = mann_whitney_p(&a, &b);
        assert!((p - 0.01219).abs() < 1e-4, "{p}");
        assert_eq!(mann_whitney_p(&b, &a), p, "symmetric");
        // Interleaved samples: no evidence of a shift.
        assert!(mann_whitney_p(&[1.0, 3.0, 5.0, 7.0], &[2.0, 4.0, 6.0, 8.0]) > 0.5);
        // Everything tied, or a side empty: p = 1.
        assert_eq!(mann_whitney_p(&[3.0, 3.0], &[3.0, 3.0]), 1.0);
        assert_eq!(mann_whitney_p(&[], &[1.0]), 1.0);
    }

    #[test]
    fn median_ratio_interval_brackets_the_ratio() {
        let base: Vec<f64> = (0..30).map(|i| 100.0 + (i % 7) as f64).collect();
        let slower: Vec<f64> = base.iter().map(|v| v * 1.2).collect();
        let [lo, hi] = median_ratio_ci95(&base, &slower);
        assert!(lo <= 1.2 && 1.2 <= hi && hi - lo < 0.1, "[{lo}, {hi}]");
        assert_eq!(median_ratio_ci95(&[5.0], &[10.0]), [2.0, 2.0]);
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
    }

    #[test]
    fn single_sample_and_empty() {
        let s = summarize(&[7.0]).expect("summary");
        assert_eq!((s.median, s.p99, s.stddev), (7.0, 7.0, 0.0));
        assert!(summarize(&[]).is_none());
        assert!(summarize(&[1.0, f64::NAN]).is_none());
    }
}
