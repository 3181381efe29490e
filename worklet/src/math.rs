//! The float functions the DSP needs beyond `core`. With the standard library they are its
//! own; in the worklet's module, which is built without it (`lib.rs`), the C math functions
//! the standard library itself calls there; `round` is made from `trunc` with the standard
//! library's meaning (halfway cases away from zero), one way for both builds, host-tested.

#[cfg(not(all(feature = "exports", target_arch = "wasm32")))]
mod imp {
    pub fn sqrt(x: f64) -> f64 {
        x.sqrt()
    }
    pub fn ceil(x: f64) -> f64 {
        x.ceil()
    }
    pub fn trunc(x: f64) -> f64 {
        x.trunc()
    }
    pub fn trunc32(x: f32) -> f32 {
        x.trunc()
    }
}

#[cfg(all(feature = "exports", target_arch = "wasm32"))]
mod imp {
    // The C math functions compiler-builtins provides for this target (the standard
    // library's own float methods call them too; `core` has no float math on stable Rust).
    extern "C" {
        #[link_name = "sqrt"]
        fn c_sqrt(x: f64) -> f64;
        #[link_name = "ceil"]
        fn c_ceil(x: f64) -> f64;
        #[link_name = "trunc"]
        fn c_trunc(x: f64) -> f64;
        #[link_name = "truncf"]
        fn c_truncf(x: f32) -> f32;
    }
    // SAFETY (each): pure functions of their argument, defined for every f64/f32.
    pub fn sqrt(x: f64) -> f64 {
        unsafe { c_sqrt(x) }
    }
    pub fn ceil(x: f64) -> f64 {
        unsafe { c_ceil(x) }
    }
    pub fn trunc(x: f64) -> f64 {
        unsafe { c_trunc(x) }
    }
    pub fn trunc32(x: f32) -> f32 {
        unsafe { c_truncf(x) }
    }
}

pub use imp::{ceil, sqrt};

/// `x` rounded to the nearest integer, halfway cases away from zero (`f64::round`). `x - t`
/// is exact (t is x with its fraction bits cleared), so no case is misjudged.
pub fn round(x: f64) -> f64 {
    let t = imp::trunc(x);
    if x - t >= 0.5 {
        t + 1.0
    } else if x - t <= -0.5 {
        t - 1.0
    } else {
        t
    }
}

/// [`round`] for `f32`.
pub fn round32(x: f32) -> f32 {
    let t = imp::trunc32(x);
    if x - t >= 0.5 {
        t + 1.0
    } else if x - t <= -0.5 {
        t - 1.0
    } else {
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_is_the_standard_librarys() {
        let mut cases = vec![
            0.0,
            -0.0,
            0.5,
            -0.5,
            1.5,
            -1.5,
            2.5,
            -2.5,
            0.49999999999999994,
            -0.49999999999999994,
            4503599627370495.5,
            4503599627370497.0,
            1e300,
            -1e300,
            f64::MIN_POSITIVE,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        // A sweep through [-40, 40] in steps of 1/64 (every halfway case) and odd steps.
        cases.extend((-2560..=2560).map(|i| f64::from(i) / 64.0));
        cases.extend((-1000..=1000).map(|i| f64::from(i) * 0.0137));
        for x in cases {
            assert_eq!(round(x).to_bits(), x.round().to_bits(), "{x}");
            let y = x as f32;
            assert_eq!(round32(y).to_bits(), y.round().to_bits(), "{y}");
        }
        assert!(round(f64::NAN).is_nan() && round32(f32::NAN).is_nan());
        assert_eq!(round32(0.49999997).to_bits(), 0f32.to_bits());
        assert_eq!(round32(8388609.0), 8388609.0);
    }
}
