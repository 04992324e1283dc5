//! Unix time shown as RFC 3339 UTC, without a clock and without allocation.

use core::fmt;

/// Unix seconds, displayed as RFC 3339 UTC (`2027-01-31T00:00:00Z`).
///
/// The verifier has no clock: callers pass `now` as Unix seconds. This type
/// only formats such a value, for messages and logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Utc(pub u64);

impl fmt::Display for Utc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.0 / 86_400;
        let secs = self.0 % 86_400;
        let (year, month, day) = civil_from_days(days);
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        )
    }
}

/// Gregorian date of a day count since 1970-01-01 (H. Hinnant's algorithm,
/// restricted to non-negative days). Every step is in range for any `u64`.
#[allow(clippy::arithmetic_side_effects)] // bounds noted per line
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468; // days < 2^64 / 86_400, so no overflow
    let era = z / 146_097;
    let doe = z - era * 146_097; // 0..=146_096
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // 0..=399
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // 0..=365
    let mp = (5 * doy + 2) / 153; // 0..=11
    let day = doy - (153 * mp + 2) / 5 + 1; // 1..=31
    let month = if mp < 10 { mp + 3 } else { mp - 9 }; // 1..=12
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::Utc;
    use std::string::ToString;

    #[test]
    fn formats_known_instants() {
        assert_eq!(Utc(0).to_string(), "1970-01-01T00:00:00Z");
        assert_eq!(Utc(951_782_400).to_string(), "2000-02-29T00:00:00Z");
        assert_eq!(Utc(1_798_761_599).to_string(), "2026-12-31T23:59:59Z");
        assert_eq!(Utc(4_102_444_800).to_string(), "2100-01-01T00:00:00Z");
        assert_eq!(Utc(u64::from(u32::MAX)).to_string(), "2106-02-07T06:28:15Z");
    }
}
