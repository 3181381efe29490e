//! The audio-thread path allocates nothing: a counting global allocator watches
//! `Capture::process`, `flush` and `take_level` after construction. Only allocations made on
//! the watching thread count (the test harness's own threads allocate when they like).

use live_dsp::capture::Capture;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static WATCHED: Cell<bool> = const { Cell::new(false) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if WATCHED.with(Cell::get) {
            ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        }
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn process_does_not_allocate() {
    for rate in [44_100, 48_000] {
        let mut capture = Capture::new(rate).unwrap();
        let quantum: Vec<f32> = (0..128).map(|i| (i as f32 / 64.0).sin() * 0.5).collect();
        WATCHED.with(|w| w.set(true));
        let before = ALLOCATIONS.load(Ordering::SeqCst);
        let mut chunks = 0;
        for _ in 0..2_000 {
            chunks += capture.process(&quantum);
            capture.clear_ready();
            capture.take_level();
        }
        capture.flush();
        let after = ALLOCATIONS.load(Ordering::SeqCst);
        WATCHED.with(|w| w.set(false));
        assert!(chunks > 0);
        assert_eq!(
            after - before,
            0,
            "{rate} Hz: allocations on the audio path"
        );
    }
}
