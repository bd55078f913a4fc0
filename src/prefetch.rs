//! A cache prefetch hint: the crate's one use of `unsafe` (see docs/DECISIONS.md, "The one
//! `unsafe`: a prefetch hint").

/// How many steps ahead a loop over records at random places prefetches (comparison, the
/// layout's cycles, the random pairs behind u): 8 and 16 measured alike, 4 less well.
pub(crate) const AHEAD: usize = 16;

/// Asks the processor to start loading `value`'s memory into cache, without waiting for it.
/// A hint only: nothing is read that the program can observe, and no address can fault.
#[inline]
pub(crate) fn prefetch<T>(value: &T) {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse"))]
    {
        use core::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        let start = (value as *const T).cast::<i8>();
        for offset in (0..std::mem::size_of::<T>()).step_by(64) {
            #[allow(unsafe_code)]
            // SAFETY: `_mm_prefetch` needs SSE, which this build targets (the `cfg` above); a prefetch
            // never faults and changes no memory, and the address is inside a live value.
            unsafe {
                _mm_prefetch::<_MM_HINT_T0>(start.wrapping_add(offset));
            }
        }
    }
    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse")))]
    let _ = value;
}
