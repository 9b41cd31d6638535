//! Literal values and their units: durations, percentages, rates, integers. Pure functions
//! over source text, so the rules (ms precision, no `d`, 0–100 %) live in one place.

use std::fmt;

/// A duration in whole milliseconds: Istio rejects finer precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration(pub u64);

impl Duration {
    pub fn millis(self) -> u64 {
        self.0
    }
}

/// Go/protobuf duration syntax, in the largest unit that divides it exactly: `2s`, `5m`, `1500ms`.
impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0;
        if ms == 0 {
            write!(f, "0s")
        } else if ms.is_multiple_of(3_600_000) {
            write!(f, "{}h", ms / 3_600_000)
        } else if ms.is_multiple_of(60_000) {
            write!(f, "{}m", ms / 60_000)
        } else if ms.is_multiple_of(1000) {
            write!(f, "{}s", ms / 1000)
        } else {
            write!(f, "{ms}ms")
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DurationError {
    /// `5d`: Go durations have no days.
    Days,
    /// `1500us`: Istio needs whole milliseconds.
    SubMillisecond,
    TooLarge,
    Malformed,
}

impl fmt::Display for DurationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DurationError::Days => "durations have no `d` unit (Istio reads Go durations); write hours, e.g. `24h`",
            DurationError::SubMillisecond => "Istio only accepts whole milliseconds",
            DurationError::TooLarge => "duration is too large",
            DurationError::Malformed => "not a duration; write a number and a unit: `300ms`, `2s`, `5m`, `1h`",
        })
    }
}

/// Parses `300ms`, `2s`, `1.5s`, `1h30m`, `2000us`.
pub fn parse_duration(text: &str) -> Result<Duration, DurationError> {
    match whole_duration(text) {
        Some(duration) => Ok(duration),
        None => exact_duration(text),
    }
}

/// The common case, one whole number and one unit that make a valid duration, in 64-bit
/// arithmetic: the exact path's 128-bit division made it the costliest literal to check.
/// `None` for anything else (fractions, several parts, errors), left to the exact path.
fn whole_duration(text: &str) -> Option<Duration> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 18 {
        return None;
    }
    let number: u64 = text[..digits].bytes().fold(0, |n, b| n * 10 + u64::from(b - b'0'));
    let ms = match &text[digits..] {
        "ms" => number,
        "s" => number.checked_mul(1_000)?,
        "m" => number.checked_mul(60_000)?,
        "h" => number.checked_mul(3_600_000)?,
        "us" | "µs" if number.is_multiple_of(1_000) => number / 1_000,
        "ns" if number.is_multiple_of(1_000_000) => number / 1_000_000,
        _ => return None,
    };
    (ms < 1 << 52).then_some(Duration(ms))
}

/// Any duration, exactly: several parts, decimal fractions, and every error.
fn exact_duration(text: &str) -> Result<Duration, DurationError> {
    let mut total_ns: u128 = 0;
    let mut rest = text;
    if rest.is_empty() {
        return Err(DurationError::Malformed);
    }
    while !rest.is_empty() {
        let num_len = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        if num_len == 0 {
            return Err(DurationError::Malformed);
        }
        let (number, after) = rest.split_at(num_len);
        let unit_len = after.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(after.len());
        let (unit, after) = after.split_at(unit_len);
        let unit_ns: u128 = match unit {
            "ns" => 1,
            "us" | "µs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            "d" => return Err(DurationError::Days),
            _ => return Err(DurationError::Malformed),
        };
        total_ns = total_ns.checked_add(scaled(number, unit_ns)?).ok_or(DurationError::TooLarge)?;
        rest = after;
    }
    if !total_ns.is_multiple_of(1_000_000) {
        return Err(DurationError::SubMillisecond);
    }
    let ms = total_ns / 1_000_000;
    u64::try_from(ms).ok().filter(|ms| *ms < 1 << 52).map(Duration).ok_or(DurationError::TooLarge)
}

/// `number × unit` exactly, for decimal numbers like `1.5`.
fn scaled(number: &str, unit: u128) -> Result<u128, DurationError> {
    let (whole, frac) = number.split_once('.').unwrap_or((number, ""));
    if whole.is_empty() && frac.is_empty() || frac.contains('.') || frac.len() > 18 {
        return Err(DurationError::Malformed);
    }
    let whole: u128 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| DurationError::TooLarge)? };
    let mut value = whole.checked_mul(unit).ok_or(DurationError::TooLarge)?;
    if !frac.is_empty() {
        let digits: u128 = frac.parse().map_err(|_| DurationError::Malformed)?;
        let scale = 10u128.pow(frac.len() as u32);
        let part = digits.checked_mul(unit).ok_or(DurationError::TooLarge)?;
        if part % scale != 0 {
            return Err(DurationError::SubMillisecond);
        }
        value = value.checked_add(part / scale).ok_or(DurationError::TooLarge)?;
    }
    Ok(value)
}

/// Parses the text of a percentage (without `%`); 0–100.
pub fn parse_percent(text: &str) -> Result<f64, String> {
    let value: f64 = text.parse().map_err(|_| format!("`{text}%` is not a number"))?;
    if !(0.0..=100.0).contains(&value) {
        return Err(format!("`{text}%` is outside 0%–100%"));
    }
    if value != 0.0 && value < 0.0001 {
        return Err("Istio rounds percentages below 0.0001% to zero; write 0% or at least 0.0001%".to_string());
    }
    Ok(value)
}

/// A rate `N/duration`: N tokens every `per`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub count: u64,
    pub per: Duration,
}

pub fn parse_rate(text: &str) -> Result<Rate, String> {
    let (count, per) = text.split_once('/').ok_or_else(|| format!("`{text}` is not a rate like `100/1s`"))?;
    let count: u64 = count.parse().map_err(|_| format!("`{count}` is too large"))?;
    if count == 0 {
        return Err("a rate needs at least one request per interval".to_string());
    }
    let per = parse_duration(per).map_err(|e| e.to_string())?;
    if per.0 == 0 {
        return Err("the interval of a rate must be longer than 0s".to_string());
    }
    Ok(Rate { count, per })
}

/// Parses a whole number in `min..=max`.
pub fn parse_int(text: &str, min: u64, max: u64) -> Result<u64, String> {
    if text.contains('.') || text.starts_with('-') {
        return Err(format!("`{text}` is not a whole number ≥ {min}"));
    }
    let value: u64 = text.parse().map_err(|_| format!("`{text}` is too large (at most {max})"))?;
    if value < min || value > max {
        return Err(format!("`{value}` is outside {min}–{max}"));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_to_milliseconds() {
        assert_eq!(parse_duration("300ms"), Ok(Duration(300)));
        assert_eq!(parse_duration("2s"), Ok(Duration(2000)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration(1500)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration(5_400_000)));
        assert_eq!(parse_duration("2000us"), Ok(Duration(2)));
        assert_eq!(parse_duration("0s"), Ok(Duration(0)));
    }

    #[test]
    fn durations_follow_istio_precision_rules() {
        assert_eq!(parse_duration("1500us"), Err(DurationError::SubMillisecond));
        assert_eq!(parse_duration("1.0001s"), Err(DurationError::SubMillisecond));
        assert_eq!(parse_duration("5d"), Err(DurationError::Days));
        assert_eq!(parse_duration("5"), Err(DurationError::Malformed));
        assert_eq!(parse_duration("s"), Err(DurationError::Malformed));
        assert_eq!(parse_duration("99999999999999999999999h"), Err(DurationError::TooLarge));
    }

    /// The 64-bit shortcut gives what the exact path gives, for every number of digits and
    /// every unit, valid or not.
    #[test]
    fn the_shortcut_agrees_with_the_exact_path() {
        let numbers = ["0", "1", "7", "999", "1000", "1500", "1000000", "4503599627369", "4503599627370496"];
        let numbers = numbers.iter().map(|n| n.to_string()).chain((1..=20).map(|k| "9".repeat(k)));
        let units = ["ms", "s", "m", "h", "us", "µs", "ns", "d", "", "x", "ms5s", "s.5"];
        let mut tried = 0;
        for number in numbers {
            for unit in units {
                let text = format!("{number}{unit}");
                assert_eq!(parse_duration(&text), exact_duration(&text), "{text}");
                tried += usize::from(whole_duration(&text).is_some());
            }
        }
        assert!(tried > 50, "the shortcut took only {tried} cases");
    }

    #[test]
    fn durations_print_in_the_largest_exact_unit() {
        assert_eq!(Duration(300).to_string(), "300ms");
        assert_eq!(Duration(2000).to_string(), "2s");
        assert_eq!(Duration(1500).to_string(), "1500ms");
        assert_eq!(Duration(300_000).to_string(), "5m");
        assert_eq!(Duration(5_400_000).to_string(), "90m");
        assert_eq!(Duration(7_200_000).to_string(), "2h");
        assert_eq!(Duration(0).to_string(), "0s");
    }

    #[test]
    fn percentages_are_bounded() {
        assert_eq!(parse_percent("10"), Ok(10.0));
        assert_eq!(parse_percent("0.5"), Ok(0.5));
        assert_eq!(parse_percent("0"), Ok(0.0));
        assert!(parse_percent("100.5").is_err());
        assert!(parse_percent("0.00001").is_err());
    }

    #[test]
    fn rates_have_a_count_and_an_interval() {
        assert_eq!(parse_rate("1000/1s"), Ok(Rate { count: 1000, per: Duration(1000) }));
        assert_eq!(parse_rate("10/1m"), Ok(Rate { count: 10, per: Duration(60_000) }));
        assert!(parse_rate("0/1s").is_err());
        assert!(parse_rate("5/0s").is_err());
    }

    #[test]
    fn integers_are_range_checked() {
        assert_eq!(parse_int("3000", 1, 65535), Ok(3000));
        assert!(parse_int("0", 1, 65535).is_err());
        assert!(parse_int("70000", 1, 65535).is_err());
        assert!(parse_int("1.5", 0, 10).is_err());
        assert!(parse_int("99999999999999999999999", 0, 10).is_err());
    }
}
