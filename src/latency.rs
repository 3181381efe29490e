//! Per-chunk timing figures with flat memory: a histogram of 0.1 ms bins up to 200 ms (and
//! one bin for anything longer), read back as a count, median and 99th percentile.
//! The page uses it for the time from a server audio frame arriving to its buffer being
//! scheduled.

/// Bins of 0.1 ms from 0 to 200 ms, then the overflow bin.
const BINS: usize = 2001;

/// A histogram of durations in ms.
#[derive(Debug, Clone)]
pub struct Latencies {
    bins: Vec<u32>,
    count: u64,
    max: f64,
}

/// What [`Latencies::summary`] reports (ms; percentiles to the bin's upper edge, 0.1 ms).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    pub count: u64,
    pub median: f64,
    pub p99: f64,
    pub max: f64,
}

impl Default for Latencies {
    fn default() -> Self {
        Latencies {
            bins: vec![0; BINS],
            count: 0,
            max: 0.0,
        }
    }
}

impl Latencies {
    /// One duration; negative or NaN counts as 0.
    pub fn record(&mut self, ms: f64) {
        let ms = if ms.is_finite() { ms.max(0.0) } else { 0.0 };
        let bin = ((ms * 10.0).floor() as usize).min(BINS - 1);
        self.bins[bin] += 1;
        self.count += 1;
        self.max = self.max.max(ms);
    }

    /// The figures so far, if anything was recorded.
    pub fn summary(&self) -> Option<Summary> {
        (self.count > 0).then(|| Summary {
            count: self.count,
            median: self.percentile(0.5),
            p99: self.percentile(0.99),
            max: self.max,
        })
    }

    /// The upper edge of the bin holding the `q` quantile (the overflow bin reports `max`).
    fn percentile(&self, q: f64) -> f64 {
        let rank = ((self.count as f64 * q).ceil() as u64).max(1);
        let mut seen = 0u64;
        for (i, &n) in self.bins.iter().enumerate() {
            seen += u64::from(n);
            if seen >= rank {
                return if i == BINS - 1 {
                    self.max
                } else {
                    (i + 1) as f64 / 10.0
                };
            }
        }
        self.max
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_99th_percentile_to_a_tenth_of_a_millisecond() {
        let mut l = Latencies::default();
        assert_eq!(l.summary(), None);
        for i in 0..99 {
            l.record(0.5 + f64::from(i) * 0.01); // 0.50 .. 1.48 ms
        }
        l.record(37.25);
        let s = l.summary().unwrap();
        assert_eq!(s.count, 100);
        assert_eq!(s.median, 1.0); // the 50th value is 0.99 ms: bin 0.9-1.0
        assert_eq!(s.p99, 1.5); // the 99th is 1.48 ms
        assert_eq!(s.max, 37.25);
    }

    #[test]
    fn beyond_200_ms_and_bad_values_are_kept_not_lost() {
        let mut l = Latencies::default();
        l.record(f64::NAN);
        l.record(-3.0);
        l.record(450.0);
        l.record(450.0);
        let s = l.summary().unwrap();
        assert_eq!((s.count, s.median, s.p99, s.max), (4, 0.1, 450.0, 450.0));
    }
}
