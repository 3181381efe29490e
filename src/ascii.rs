//! Splitting at an ASCII byte and reading whole numbers: what the page's few text formats
//! need (a mime type's parameters, a duration, a JSON pointer, a setting, a file name).
//! `str::split(char)`, `split_once` and `str::parse` would each bring core's generic
//! searcher or number parser into the page's wasm for it; these are a few bytes of code
//! each, and splitting at an ASCII byte always leaves whole UTF-8 pieces.

/// The pieces of `s` between the bytes `sep` (`s` itself when there is none).
pub fn split(s: &str, sep: u8) -> impl Iterator<Item = &str> {
    let mut rest = Some(s);
    std::iter::from_fn(move || {
        let text = rest?;
        match text.bytes().position(|b| b == sep) {
            Some(at) => {
                rest = text.get(at + 1..);
                text.get(..at)
            }
            None => rest.take(),
        }
    })
}

/// `s` before and after its first byte `sep`.
pub fn split_once(s: &str, sep: u8) -> Option<(&str, &str)> {
    let at = s.bytes().position(|b| b == sep)?;
    Some((s.get(..at)?, s.get(at + 1..)?))
}

/// A whole number written in decimal digits only (no sign, no spaces); `None` when it is
/// empty, has anything else, or does not fit a `u64`.
pub fn number(s: &str) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    s.bytes().try_fold(0u64, |n, b| {
        let digit = b.checked_sub(b'0').filter(|d| *d < 10)?;
        n.checked_mul(10)?.checked_add(u64::from(digit))
    })
}

/// [`number`] as any smaller unsigned type it fits.
pub fn number_as<T: TryFrom<u64>>(s: &str) -> Option<T> {
    T::try_from(number(s)?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_matches_the_standard_library() {
        for (s, sep) in [
            ("audio/pcm;rate=24000", ';'),
            ("a;;b;", ';'),
            (";", ';'),
            ("", ';'),
            ("/a/b/0", '/'),
            ("2026-11-23-14-02", '-'),
            ("é;ü;", ';'),
        ] {
            let ours: Vec<&str> = split(s, sep as u8).collect();
            let std: Vec<&str> = s.split(sep).collect();
            assert_eq!(ours, std, "{s:?}");
            assert_eq!(split_once(s, sep as u8), s.split_once(sep), "{s:?}");
        }
    }

    #[test]
    fn numbers_are_plain_digits_that_fit() {
        assert_eq!(number("0"), Some(0));
        assert_eq!(number("24000"), Some(24_000));
        assert_eq!(number("18446744073709551615"), Some(u64::MAX));
        assert_eq!(number("18446744073709551616"), None);
        for bad in ["", "+5", "-5", " 5", "5 ", "1.5", "1e3", "٣"] {
            assert_eq!(number(bad), None, "{bad:?}");
        }
        assert_eq!(number_as::<u8>("255"), Some(255u8));
        assert_eq!(number_as::<u8>("256"), None);
        assert_eq!(number_as::<u32>("4294967296"), None);
    }
}
