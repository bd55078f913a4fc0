//! Value parsers shared by the numeric flags: every number is checked (finite, in range)
//! before a command starts, and refused with the flag's name by clap otherwise.

use clientele::files::Encoding;
use clientele::lifecycle::MAX_CLV_MONTHS;
use clientele::synth::MAX_CUSTOMERS;

/// The most pairs `dedupe --explain` prints from each end.
pub const MAX_EXPLAIN: usize = 100_000;

/// The highest monthly discount rate `segment --discount` accepts (100% a month).
pub const MAX_DISCOUNT: f64 = 1.0;

fn finite(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a number"))?;
    if v.is_finite() {
        Ok(v)
    } else {
        Err(format!("`{s}` is not a finite number"))
    }
}

/// A size in bytes, with an optional binary unit: `8GiB`, `512MiB`, `64KiB`, `1000` (at
/// least 1 MiB, at most 1 TiB).
pub fn bytes(s: &str) -> Result<usize, String> {
    let t = s.trim();
    let (digits, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len()));
    let scale: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kib" => 1 << 10,
        "m" | "mib" => 1 << 20,
        "g" | "gib" => 1 << 30,
        "t" | "tib" => 1 << 40,
        _ => return Err(format!("`{s}` is not a size (such as 8GiB, 512MiB)")),
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("`{s}` is not a size (such as 8GiB, 512MiB)"))?;
    let v = n.saturating_mul(scale);
    if ((1 << 20)..=(1 << 40)).contains(&v) {
        usize::try_from(v).map_err(|_| format!("{s} is too large for this machine"))
    } else {
        Err(format!("{s} is not from 1MiB to 1TiB"))
    }
}

/// A probability or share: a number from 0 to 1.
pub fn probability(s: &str) -> Result<f64, String> {
    let v = finite(s)?;
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!("{v} is not from 0 to 1"))
    }
}

/// A monthly discount rate: from 0 to [`MAX_DISCOUNT`].
pub fn discount(s: &str) -> Result<f64, String> {
    let v = finite(s)?;
    if (0.0..=MAX_DISCOUNT).contains(&v) {
        Ok(v)
    } else {
        Err(format!(
            "{v} is not a monthly rate from 0 to {MAX_DISCOUNT}"
        ))
    }
}

fn count(s: &str, min: u64, max: u64) -> Result<u64, String> {
    let v: u64 = s
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a whole number from {min} to {max}"))?;
    if (min..=max).contains(&v) {
        Ok(v)
    } else {
        Err(format!("{v} is not from {min} to {max}"))
    }
}

/// `generate --customers`: 1 to [`MAX_CUSTOMERS`].
pub fn customers(s: &str) -> Result<usize, String> {
    let n = count(s, 1, MAX_CUSTOMERS as u64)?;
    usize::try_from(n).map_err(|e| e.to_string())
}

/// `dedupe --explain`: 0 to [`MAX_EXPLAIN`].
pub fn explain(s: &str) -> Result<usize, String> {
    let n = count(s, 0, MAX_EXPLAIN as u64)?;
    usize::try_from(n).map_err(|e| e.to_string())
}

/// The most periods `report --periods` draws (ten years of weeks).
pub const MAX_PERIODS: usize = 520;

/// `report --periods`: 1 to [`MAX_PERIODS`].
pub fn periods(s: &str) -> Result<usize, String> {
    let n = count(s, 1, MAX_PERIODS as u64)?;
    usize::try_from(n).map_err(|e| e.to_string())
}

/// `--encoding`: a text encoding's name (see [`Encoding`]).
pub fn encoding(s: &str) -> Result<Encoding, String> {
    s.parse()
}

/// `segment --clv-months`: 0 to [`MAX_CLV_MONTHS`].
pub fn clv_months(s: &str) -> Result<u32, String> {
    let n = count(s, 0, u64::from(MAX_CLV_MONTHS))?;
    u32::try_from(n).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_out_of_range_or_not_finite_are_refused() {
        for bad in ["nan", "NaN", "inf", "-inf", "1.5", "-0.1", "x", ""] {
            assert!(probability(bad).is_err(), "{bad}");
        }
        assert_eq!(probability("0.5"), Ok(0.5));
        assert!(discount("nan").is_err() && discount("2").is_err());
        assert!(customers("18446744073709551615").is_err());
        assert!(customers("3000000000").is_err());
        assert!(customers("0").is_err());
        assert_eq!(customers("1000"), Ok(1000));
        assert!(clv_months("10000000").is_err());
        assert_eq!(clv_months("12"), Ok(12));
        assert!(explain("-1").is_err());
    }
}
