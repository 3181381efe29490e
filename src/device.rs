//! What can go wrong with the microphone and the audio engine, in words a person can act
//! on. `getUserMedia` rejects with a `DOMException` whose `name` says why:
//! <https://developer.mozilla.org/en-US/docs/Web/API/MediaDevices/getUserMedia#exceptions>

use std::fmt;

/// Why capture could not start, or stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaptureError {
    /// The person (or a policy) refused the microphone.
    PermissionDenied,
    /// No microphone is connected, or none meets the constraints.
    NoDevice,
    /// The microphone exists but another program holds it, or the OS refused.
    DeviceBusy,
    /// `navigator.mediaDevices` is missing: the page is not on https or localhost.
    InsecureContext,
    /// The browser has no AudioWorklet.
    WorkletUnsupported,
    /// The microphone went away mid-session (unplugged, or its permission revoked).
    DeviceLost,
    /// The capture DSP module could not be loaded or started.
    Dsp(String),
    /// Anything else, with the browser's words.
    Other(String),
}

impl CaptureError {
    /// Maps a `DOMException` name (and message) from `getUserMedia`.
    pub fn from_dom(name: &str, message: &str) -> Self {
        match name {
            "NotAllowedError" | "SecurityError" | "PermissionDeniedError" => {
                CaptureError::PermissionDenied
            }
            "NotFoundError" | "OverconstrainedError" | "DevicesNotFoundError" => {
                CaptureError::NoDevice
            }
            "NotReadableError" | "AbortError" | "TrackStartError" => CaptureError::DeviceBusy,
            _ => CaptureError::Other(format!("{name}: {message}")),
        }
    }
}

impl fmt::Display for CaptureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CaptureError::PermissionDenied => f.write_str(
                "Microphone access was denied. Allow the microphone for this page (the icon in the address bar), then press Start Mic again.",
            ),
            CaptureError::NoDevice => f.write_str(
                "No microphone was found. Connect one, then press Start Mic again.",
            ),
            CaptureError::DeviceBusy => f.write_str(
                "The microphone could not be opened; another program may be using it. Close it, then press Start Mic again.",
            ),
            CaptureError::InsecureContext => f.write_str(
                "The browser allows the microphone only on https:// pages or on localhost. Open the page that way.",
            ),
            CaptureError::WorkletUnsupported => f.write_str(
                "This browser has no AudioWorklet, which microphone capture needs. Use a current Chrome, Edge, Firefox or Safari.",
            ),
            CaptureError::DeviceLost => f.write_str(
                "The microphone stopped (unplugged or switched off). The recording so far is kept; press Start Mic to go on.",
            ),
            CaptureError::Dsp(why) => write!(f, "The audio processor could not start: {why}"),
            CaptureError::Other(why) => write!(f, "The microphone could not start: {why}"),
        }
    }
}

impl std::error::Error for CaptureError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dom_names_map_to_kinds() {
        assert_eq!(
            CaptureError::from_dom("NotAllowedError", "Permission denied"),
            CaptureError::PermissionDenied
        );
        assert_eq!(
            CaptureError::from_dom("NotFoundError", "Requested device not found"),
            CaptureError::NoDevice
        );
        assert_eq!(
            CaptureError::from_dom("NotReadableError", "Could not start audio source"),
            CaptureError::DeviceBusy
        );
        assert_eq!(
            CaptureError::from_dom("TypeError", "bad constraints"),
            CaptureError::Other("TypeError: bad constraints".into())
        );
        assert_eq!(
            CaptureError::PermissionDenied.to_string(),
            "Microphone access was denied. Allow the microphone for this page (the icon in the address bar), then press Start Mic again."
        );
    }
}
