//! Download rules: pure functions over names, ETags and byte ranges (RFC 9110 §13.1.2
//! If-None-Match, §14 Range requests).

use crate::error::{Error, Result};

/// Checks a file name: 1-128 of `[A-Za-z0-9._-]`, not starting with `.`. Errors:
/// `INVALID_ARGUMENT`.
pub fn check_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 128
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            "name",
            "a file name is 1-128 of [A-Za-z0-9._-], not starting with `.`",
        ))
    }
}

/// Checks a media type: `type/subtype` (parameters allowed), 3-255 printable ASCII.
/// Errors: `INVALID_ARGUMENT`.
pub fn check_content_type(ct: &str) -> Result<()> {
    let ok = (3..=255).contains(&ct.len())
        && ct.contains('/')
        && ct.bytes().all(|b| (0x20..0x7f).contains(&b));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            "content_type",
            "content_type is a media type such as text/csv",
        ))
    }
}

/// The quoted strong ETag of a version: `"<sha256 hex>"`.
pub fn etag(sha256: &str) -> String {
    format!("\"{sha256}\"")
}

/// Whether an `If-None-Match` value matches the current ETag (weak comparison, as RFC
/// 9110 asks for this header): `*`, or any listed tag equal once `W/` is dropped.
pub fn none_match(header: &str, current_etag: &str) -> bool {
    let header = header.trim();
    if header == "*" {
        return true;
    }
    header
        .split(',')
        .map(|t| t.trim())
        .map(|t| t.strip_prefix("W/").unwrap_or(t))
        .any(|t| t == current_etag)
}

/// What a `Range` header asks of a body of `len` bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeAnswer {
    /// Serve the whole body (no header, a unit other than bytes, several ranges, or a
    /// header that does not parse: RFC 9110 lets a server ignore those).
    Full,
    /// Serve bytes `start..=end` (206).
    Partial {
        /// First byte.
        start: u64,
        /// Last byte, inclusive.
        end: u64,
    },
    /// No byte of the range exists (416 with `Content-Range: bytes */len`).
    Unsatisfiable,
}

/// Reads one `bytes=` range against a body of `len` bytes: `a-b`, `a-` or `-n` (the
/// last n bytes). `b` past the end is cut to the end.
pub fn parse_range(header: Option<&str>, len: u64) -> RangeAnswer {
    let Some(h) = header else {
        return RangeAnswer::Full;
    };
    let Some(spec) = h.trim().strip_prefix("bytes=") else {
        return RangeAnswer::Full;
    };
    if spec.contains(',') {
        return RangeAnswer::Full;
    }
    let Some((a, b)) = spec.trim().split_once('-') else {
        return RangeAnswer::Full;
    };
    let (a, b) = (a.trim(), b.trim());
    let num = |s: &str| -> Option<u64> {
        if s.is_empty() || !s.bytes().all(|c| c.is_ascii_digit()) {
            None
        } else {
            s.parse().ok()
        }
    };
    match (a.is_empty(), b.is_empty()) {
        (true, true) => RangeAnswer::Full,
        (true, false) => match num(b) {
            None => RangeAnswer::Full,
            Some(0) => RangeAnswer::Unsatisfiable,
            Some(_) if len == 0 => RangeAnswer::Unsatisfiable,
            Some(n) => RangeAnswer::Partial {
                start: len.saturating_sub(n),
                end: len - 1,
            },
        },
        (false, _) => {
            let Some(start) = num(a) else {
                return RangeAnswer::Full;
            };
            let end = if b.is_empty() {
                None
            } else {
                match num(b) {
                    Some(e) if e >= start => Some(e),
                    _ => return RangeAnswer::Full,
                }
            };
            if start >= len {
                return RangeAnswer::Unsatisfiable;
            }
            RangeAnswer::Partial {
                start,
                end: end.map_or(len - 1, |e| e.min(len - 1)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_types() {
        for ok in ["items.csv", "engine-1.2.bin", "A_b"] {
            check_name(ok).unwrap();
        }
        for bad in ["", ".hidden", "a/b", "a b", &"x".repeat(129)] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
        check_content_type("text/csv; charset=utf-8").unwrap();
        assert!(check_content_type("csv").is_err());
    }

    #[test]
    fn if_none_match_compares_weakly_and_accepts_lists() {
        let tag = etag("abc");
        assert!(none_match("\"abc\"", &tag));
        assert!(none_match("W/\"abc\"", &tag));
        assert!(none_match("\"x\", \"abc\"", &tag));
        assert!(none_match("*", &tag));
        assert!(!none_match("\"abd\"", &tag));
    }

    #[test]
    fn ranges() {
        use RangeAnswer::*;
        assert_eq!(parse_range(None, 10), Full);
        assert_eq!(
            parse_range(Some("bytes=0-3"), 10),
            Partial { start: 0, end: 3 }
        );
        assert_eq!(
            parse_range(Some("bytes=5-"), 10),
            Partial { start: 5, end: 9 }
        );
        assert_eq!(
            parse_range(Some("bytes=-4"), 10),
            Partial { start: 6, end: 9 }
        );
        assert_eq!(
            parse_range(Some("bytes=-40"), 10),
            Partial { start: 0, end: 9 }
        );
        assert_eq!(
            parse_range(Some("bytes=8-100"), 10),
            Partial { start: 8, end: 9 }
        );
        assert_eq!(parse_range(Some("bytes=10-"), 10), Unsatisfiable);
        assert_eq!(parse_range(Some("bytes=-0"), 10), Unsatisfiable);
        assert_eq!(parse_range(Some("bytes=0-0"), 0), Unsatisfiable);
        assert_eq!(parse_range(Some("bytes=3-1"), 10), Full);
        assert_eq!(parse_range(Some("bytes=0-1,4-5"), 10), Full);
        assert_eq!(parse_range(Some("items=0-1"), 10), Full);
        assert_eq!(parse_range(Some("bytes=x-1"), 10), Full);
    }
}
