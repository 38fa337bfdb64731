//! Prometheus text-format metrics, kept as plain atomics: a handful of counters and one
//! histogram do not justify a metrics framework.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds (seconds) of the admission latency histogram buckets.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

/// The webhook's counters.
#[derive(Debug, Default)]
pub struct Metrics {
    pub(crate) reviews: AtomicU64,
    pub(crate) malformed: AtomicU64,
    pub(crate) throttled: AtomicU64,
    pub(crate) verifications_refused: AtomicU64,
    pub(crate) allowed: AtomicU64,
    pub(crate) denied: AtomicU64,
    pub(crate) verified: AtomicU64,
    pub(crate) skipped: AtomicU64,
    pub(crate) failed: AtomicU64,
    pub(crate) errors: AtomicU64,
    pub(crate) cache_hits: AtomicU64,
    pub(crate) cache_misses: AtomicU64,
    buckets: [AtomicU64; BUCKETS.len()],
    latency_count: AtomicU64,
    latency_sum_micros: AtomicU64,
}

pub(crate) fn inc(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

impl Metrics {
    /// Records one review's latency.
    pub(crate) fn observe(&self, d: Duration) {
        let secs = d.as_secs_f64();
        for (b, le) in self.buckets.iter().zip(BUCKETS) {
            if secs <= le {
                inc(b);
            }
        }
        inc(&self.latency_count);
        let micros = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        self.latency_sum_micros.fetch_add(micros, Ordering::Relaxed);
    }

    /// The metrics in Prometheus text format; `registry_requests` is the registry clients'
    /// request total.
    pub fn render(&self, registry_requests: u64, cache_entries: usize) -> String {
        let g = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let mut s = String::new();
        let mut counter = |name: &str, help: &str, samples: &[(&str, u64)]| {
            let _ = writeln!(s, "# HELP {name} {help}\n# TYPE {name} counter");
            for (labels, v) in samples {
                let _ = writeln!(s, "{name}{labels} {v}");
            }
        };
        counter(
            "notary_admission_reviews_total",
            "AdmissionReview requests received.",
            &[("", g(&self.reviews))],
        );
        counter(
            "notary_admission_malformed_reviews_total",
            "Requests refused with 400 (unreadable, oversized or not an AdmissionReview v1).",
            &[("", g(&self.malformed))],
        );
        counter(
            "notary_admission_throttled_reviews_total",
            "Requests refused with 429, unread: the reviews in flight stayed at their limit for the request's whole wait.",
            &[("", g(&self.throttled))],
        );
        counter(
            "notary_admission_verifications_refused_total",
            "Image checks denied unverified: the verifications running (background ones included) were at their limit.",
            &[("", g(&self.verifications_refused))],
        );
        counter(
            "notary_admission_verdicts_total",
            "Review verdicts.",
            &[
                ("{verdict=\"allowed\"}", g(&self.allowed)),
                ("{verdict=\"denied\"}", g(&self.denied)),
            ],
        );
        counter(
            "notary_admission_image_checks_total",
            "Image verifications by result (cache hits included).",
            &[
                ("{result=\"verified\"}", g(&self.verified)),
                ("{result=\"skipped\"}", g(&self.skipped)),
                ("{result=\"failed\"}", g(&self.failed)),
                ("{result=\"error\"}", g(&self.errors)),
            ],
        );
        counter(
            "notary_admission_cache_hits_total",
            "Image checks answered by the verification cache or by a verification already in flight.",
            &[("", g(&self.cache_hits))],
        );
        counter(
            "notary_admission_cache_misses_total",
            "Image checks that ran a verification.",
            &[("", g(&self.cache_misses))],
        );
        counter(
            "notary_admission_registry_requests_total",
            "HTTP requests sent to registries (tokens and retries included).",
            &[("", registry_requests)],
        );
        let _ = writeln!(
            s,
            "# HELP notary_admission_cache_entries Verification results cached.\n# TYPE notary_admission_cache_entries gauge\nnotary_admission_cache_entries {cache_entries}"
        );
        let name = "notary_admission_review_duration_seconds";
        let _ = writeln!(
            s,
            "# HELP {name} Time to answer an AdmissionReview.\n# TYPE {name} histogram"
        );
        for (b, le) in self.buckets.iter().zip(BUCKETS) {
            let _ = writeln!(s, "{name}_bucket{{le=\"{le}\"}} {}", g(b));
        }
        let count = g(&self.latency_count);
        let sum = Duration::from_micros(g(&self.latency_sum_micros)).as_secs_f64();
        let _ = writeln!(s, "{name}_bucket{{le=\"+Inf\"}} {count}");
        let _ = writeln!(s, "{name}_sum {sum}\n{name}_count {count}");
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_cumulative() {
        let m = Metrics::default();
        m.observe(Duration::from_micros(300));
        m.observe(Duration::from_millis(20));
        m.observe(Duration::from_secs(10));
        inc(&m.throttled);
        inc(&m.verifications_refused);
        let text = m.render(7, 2);
        assert!(
            text.contains("notary_admission_review_duration_seconds_bucket{le=\"0.0005\"} 1\n")
        );
        assert!(text.contains("notary_admission_review_duration_seconds_bucket{le=\"0.025\"} 2\n"));
        assert!(text.contains("notary_admission_review_duration_seconds_bucket{le=\"2.5\"} 2\n"));
        assert!(text.contains("notary_admission_review_duration_seconds_bucket{le=\"+Inf\"} 3\n"));
        assert!(text.contains("notary_admission_review_duration_seconds_count 3\n"));
        assert!(text.contains("notary_admission_registry_requests_total 7\n"));
        assert!(text.contains("notary_admission_cache_entries 2\n"));
        assert!(text.contains("notary_admission_throttled_reviews_total 1\n"));
        assert!(text.contains("notary_admission_verifications_refused_total 1\n"));
    }
}
