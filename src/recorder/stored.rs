//! Why the browser's storage refused a request, as a kind the page can act on. The storage
//! worker (`www/recording-worker.js`) reports a failure as the `DOMException`'s name and
//! message; [`StorageError::from_dom`] reads them once, at the edge, and everything after
//! matches on the kind, never on the words.

use std::fmt;

/// A refused storage request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorageError {
    /// The disk, or the share of it the browser gives this site, is full
    /// (`QuotaExceededError`).
    Full,
    /// Another tab is writing that recording now (`NoModificationAllowedError`).
    Busy(String),
    /// Nothing is stored under that name (`NotFoundError`).
    NotFound(String),
    /// This page gets no storage it can write: the browser refused it (`SecurityError`,
    /// `InvalidStateError`, e.g. a private window) or the storage worker could not run.
    Unavailable(String),
    /// Anything else, in the browser's words (`name: message`).
    Other(String),
}

impl StorageError {
    /// The kind of a `DOMException` named `name` (its words in `message`).
    pub fn from_dom(name: &str, message: &str) -> StorageError {
        let message = message.to_owned();
        match name {
            "QuotaExceededError" => StorageError::Full,
            "NoModificationAllowedError" => StorageError::Busy(message),
            "NotFoundError" => StorageError::NotFound(message),
            "SecurityError" | "InvalidStateError" => StorageError::Unavailable(message),
            "" => StorageError::Other(message),
            _ => StorageError::Other(format!("{name}: {message}")),
        }
    }

    /// What the person can do about it, for a recording that goes on in this tab only.
    pub fn advice(&self) -> &'static str {
        match self {
            StorageError::Full => {
                "Free some disk space (or clear this site's stored conversations) for the next one."
            }
            StorageError::Busy(_) => "Another tab of this page is recording; close it first.",
            StorageError::Unavailable(_) => {
                "This browser gives the page no storage (a private window keeps none)."
            }
            StorageError::NotFound(_) | StorageError::Other(_) => "",
        }
    }
}

impl fmt::Display for StorageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StorageError::Full => f.write_str("the disk is full"),
            StorageError::Busy(m)
            | StorageError::NotFound(m)
            | StorageError::Unavailable(m)
            | StorageError::Other(m) => f.write_str(m),
        }
    }
}

/// Shown as text where it is not matched (a log line, a status).
impl From<StorageError> for String {
    fn from(e: StorageError) -> String {
        e.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_exception_name_is_its_kind_and_the_rest_keep_their_words() {
        let e = |n: &str| StorageError::from_dom(n, "words");
        assert_eq!(e("QuotaExceededError"), StorageError::Full);
        assert_eq!(
            e("NoModificationAllowedError"),
            StorageError::Busy("words".into())
        );
        assert_eq!(e("NotFoundError"), StorageError::NotFound("words".into()));
        assert_eq!(
            e("SecurityError"),
            StorageError::Unavailable("words".into())
        );
        assert_eq!(
            e("InvalidStateError"),
            StorageError::Unavailable("words".into())
        );
        assert_eq!(
            e("AbortError"),
            StorageError::Other("AbortError: words".into())
        );
        assert_eq!(e(""), StorageError::Other("words".into()));
    }

    #[test]
    fn a_full_disk_says_so_and_what_to_do() {
        let full = StorageError::from_dom("QuotaExceededError", "the disk is full");
        assert_eq!(full.to_string(), "the disk is full");
        assert!(full.advice().starts_with("Free some disk space"));
        assert_eq!(String::from(StorageError::Other("x".into())), "x");
        assert_eq!(StorageError::Other("x".into()).advice(), "");
    }
}
