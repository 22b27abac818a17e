//! Calendar dates and instants as the case file writes them (ISO 8601), with the
//! little arithmetic netrx needs (days between dates, hours between instants).
//!
//! Dates carry no time zone (clinical dates). Date-times may carry an offset
//! (`Z`, `+01:00`); without one they are local wall-clock times. Differences
//! between two date-times are only defined when both carry an offset or neither
//! does.

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

/// A calendar date, `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    days: i64, // days since 1970-01-01
}

/// Average days per month used to express durations in months (365.25 / 12),
/// the convention of survival reporting.
pub const DAYS_PER_MONTH: f64 = 365.25 / 12.0;

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        _ => 28,
    }
}

// Howard Hinnant's days_from_civil / civil_from_days.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719468;
    let era = if z >= 0 { z } else { z - 146096 } / 146097;
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Why a date or date-time string was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateError(pub String);

impl fmt::Display for DateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn digits(s: &str, n: usize) -> Option<i64> {
    if s.len() == n && s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().ok()
    } else {
        None
    }
}

impl Date {
    /// Build from year, month, day; `None` if not a real calendar date.
    pub fn from_ymd(y: i64, m: u32, d: u32) -> Option<Date> {
        if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) || !(1..=9999).contains(&y) {
            return None;
        }
        Some(Date {
            days: days_from_civil(y, m, d),
        })
    }

    /// (year, month, day).
    pub fn ymd(self) -> (i64, u32, u32) {
        civil_from_days(self.days)
    }

    /// Days since 1970-01-01.
    pub fn days_since_epoch(self) -> i64 {
        self.days
    }

    /// The date `n` days later (earlier if negative).
    pub fn add_days(self, n: i64) -> Date {
        Date { days: self.days + n }
    }

    /// `later - self` in days.
    pub fn days_until(self, later: Date) -> i64 {
        later.days - self.days
    }

    /// `later - self` in months of 365.25/12 days.
    pub fn months_until(self, later: Date) -> f64 {
        self.days_until(later) as f64 / DAYS_PER_MONTH
    }
}

impl FromStr for Date {
    type Err = DateError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || DateError(format!("'{s}' is not a date; allowed: YYYY-MM-DD (e.g. 2024-03-15)"));
        let parts: Vec<&str> = s.split('-').collect();
        if parts.len() != 3 {
            return Err(bad());
        }
        let y = digits(parts[0], 4).ok_or_else(bad)?;
        let m = digits(parts[1], 2).ok_or_else(bad)? as u32;
        let d = digits(parts[2], 2).ok_or_else(bad)? as u32;
        Date::from_ymd(y, m, d).ok_or_else(|| DateError(format!("'{s}' is not a real calendar date")))
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for Date {
    fn schema_name() -> Cow<'static, str> {
        "Date".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "format": "date",
            "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
            "description": "Calendar date, YYYY-MM-DD."
        })
    }
}

/// An instant or local wall-clock time, ISO 8601: `YYYY-MM-DDTHH:MM[:SS[.fff]][Z|±HH:MM]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DateTime {
    date: Date,
    /// Seconds since local midnight.
    seconds: f64,
    /// Offset from UTC in minutes, if written.
    offset_minutes: Option<i32>,
}

impl DateTime {
    /// The calendar date part (local).
    pub fn date(&self) -> Date {
        self.date
    }

    /// Whether the string carried a UTC offset.
    pub fn has_offset(&self) -> bool {
        self.offset_minutes.is_some()
    }

    /// Seconds since 1970-01-01T00:00 — in UTC when an offset was given, otherwise
    /// on the local wall clock.
    pub fn epoch_seconds(&self) -> f64 {
        let local = self.date.days_since_epoch() as f64 * 86400.0 + self.seconds;
        local - self.offset_minutes.unwrap_or(0) as f64 * 60.0
    }

    /// Hours from `self` to `later`; `None` when one has an offset and the other does not.
    pub fn hours_until(&self, later: &DateTime) -> Option<f64> {
        if self.has_offset() != later.has_offset() {
            return None;
        }
        Some((later.epoch_seconds() - self.epoch_seconds()) / 3600.0)
    }
}

impl FromStr for DateTime {
    type Err = DateError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || {
            DateError(format!(
                "'{s}' is not a date-time; allowed: ISO 8601 YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM] (e.g. 2024-03-15T08:00:00+01:00)"
            ))
        };
        let (date_part, rest) = s.split_once(['T', ' ']).ok_or_else(bad)?;
        let date: Date = date_part.parse().map_err(|_| bad())?;
        let (time_part, offset_minutes) = if let Some(t) = rest.strip_suffix('Z') {
            (t, Some(0))
        } else if let Some(pos) = rest.rfind(['+', '-']) {
            let (t, off) = rest.split_at(pos);
            let sign = if off.starts_with('-') { -1 } else { 1 };
            let off = &off[1..];
            let (oh, om) = off
                .split_once(':')
                .unwrap_or((off.get(..2).unwrap_or(""), off.get(2..).unwrap_or("")));
            let oh = digits(oh, 2).ok_or_else(bad)?;
            let om = digits(om, 2).ok_or_else(bad)?;
            if oh > 14 || om > 59 {
                return Err(bad());
            }
            (t, Some(sign * (oh * 60 + om) as i32))
        } else {
            (rest, None)
        };
        let mut fields = time_part.split(':');
        let h = digits(fields.next().unwrap_or(""), 2).ok_or_else(bad)?;
        let m = digits(fields.next().ok_or_else(bad)?, 2).ok_or_else(bad)?;
        let sec: f64 = match fields.next() {
            None => 0.0,
            Some(x) => {
                let (whole, frac) = x.split_once('.').unwrap_or((x, ""));
                let whole = digits(whole, 2).ok_or_else(bad)?;
                if !frac.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(bad());
                }
                let frac: f64 = if frac.is_empty() {
                    0.0
                } else {
                    format!("0.{frac}").parse().map_err(|_| bad())?
                };
                whole as f64 + frac
            }
        };
        if fields.next().is_some() || h > 23 || m > 59 || sec >= 61.0 {
            return Err(bad());
        }
        Ok(DateTime {
            date,
            seconds: h as f64 * 3600.0 + m as f64 * 60.0 + sec,
            offset_minutes,
        })
    }
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.seconds;
        let h = (secs / 3600.0).floor() as i64;
        let m = ((secs - h as f64 * 3600.0) / 60.0).floor() as i64;
        let s = secs - h as f64 * 3600.0 - m as f64 * 60.0;
        write!(f, "{}T{h:02}:{m:02}:", self.date)?;
        if s.fract() == 0.0 {
            write!(f, "{:02}", s as i64)?;
        } else {
            write!(f, "{s:06.3}")?;
        }
        match self.offset_minutes {
            None => Ok(()),
            Some(0) => f.write_str("Z"),
            Some(o) => {
                let sign = if o < 0 { '-' } else { '+' };
                let o = o.abs();
                write!(f, "{sign}{:02}:{:02}", o / 60, o % 60)
            }
        }
    }
}

impl Serialize for DateTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for DateTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for DateTime {
    fn schema_name() -> Cow<'static, str> {
        "DateTime".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]+)?)?(Z|[+-][0-9]{2}:?[0-9]{2})?$",
            "description": "ISO 8601 date-time, YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM]; without an offset it is local wall-clock time."
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_and_count_days() {
        let a: Date = "2024-02-28".parse().unwrap();
        let b: Date = "2024-03-01".parse().unwrap();
        assert_eq!(a.days_until(b), 2); // 2024 is a leap year
        assert_eq!(b.to_string(), "2024-03-01");
        let e: Date = "1970-01-01".parse().unwrap();
        assert_eq!(e.days_since_epoch(), 0);
        let z: Date = "2000-03-01".parse().unwrap();
        assert_eq!(z.days_since_epoch(), 11017);
        for s in ["2023-02-29", "2024-13-01", "2024-1-01", "24-01-01", "2024-01-00", "x"] {
            assert!(s.parse::<Date>().is_err(), "{s} should be refused");
        }
    }

    #[test]
    fn date_times_handle_offsets() {
        let a: DateTime = "2024-03-15T08:00:00+01:00".parse().unwrap();
        let b: DateTime = "2024-03-15T07:00Z".parse().unwrap();
        assert_eq!(a.hours_until(&b), Some(0.0));
        let c: DateTime = "2024-03-16T08:30".parse().unwrap();
        let d: DateTime = "2024-03-15T08:00".parse().unwrap();
        assert_eq!(d.hours_until(&c), Some(24.5));
        assert_eq!(a.hours_until(&c), None);
        assert_eq!(a.to_string(), "2024-03-15T08:00:00+01:00");
        for s in [
            "2024-03-15",
            "2024-03-15T25:00",
            "2024-03-15T08:00+99:00",
            "2024-03-15T08:00:00:00",
        ] {
            assert!(s.parse::<DateTime>().is_err(), "{s} should be refused");
        }
    }
}
