//! The worklet module's allocator. Everything it allocates is allocated once, in `dsp_new`
//! (the chunk queue, the resampler's kernel and history), and each AudioWorkletProcessor
//! instantiates its own copy of the module, whose memory goes with it. So memory is never
//! handed back: each allocation takes the next free bytes at the end of the linear memory,
//! growing it as needed. That is all the module needs, and 7 KB of code lighter than
//! dlmalloc (the default), which would also keep free lists nothing ever uses.

use core::alloc::{GlobalAlloc, Layout};
use core::arch::wasm32::{memory_grow, memory_size};
use core::sync::atomic::{AtomicUsize, Ordering};

const PAGE: usize = 65_536;

pub struct Bump {
    /// The first free byte (0 until the first allocation: then the memory's end, above
    /// the data and the stack).
    next: AtomicUsize,
}

#[global_allocator]
static ALLOCATOR: Bump = Bump {
    next: AtomicUsize::new(0),
};

// SAFETY: each allocation is a fresh range of linear memory, aligned as asked, that no
// other allocation overlaps (memory is never reused); a failed grow returns null.
unsafe impl GlobalAlloc for Bump {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let end_of_memory = memory_size(0) * PAGE;
        let next = match self.next.load(Ordering::Relaxed) {
            0 => end_of_memory,
            n => n,
        };
        let Some(start) = next.checked_next_multiple_of(layout.align()) else {
            return core::ptr::null_mut();
        };
        let Some(end) = start.checked_add(layout.size()) else {
            return core::ptr::null_mut();
        };
        if end > end_of_memory && memory_grow(0, (end - end_of_memory).div_ceil(PAGE)) == usize::MAX
        {
            return core::ptr::null_mut();
        }
        self.next.store(end, Ordering::Relaxed);
        start as *mut u8
    }

    unsafe fn dealloc(&self, _ptr: *mut u8, _layout: Layout) {}
}
