//! A deal's own random stream, and the few ways the demo draws from it.
//!
//! Ranges are taken from the raw 64-bit words here, not by a distribution
//! library whose algorithms may change.

use chrono::Duration;
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};

/// A deal's own random stream.
pub(super) struct Dice(ChaCha8Rng);

impl Dice {
    pub(super) fn new(seed: u64, index: usize) -> Dice {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(index as u64);
        Dice(rng)
    }

    /// A number in `0..n` (the bias of a 64-bit modulo is negligible here).
    pub(super) fn below(&mut self, n: u64) -> u64 {
        self.0.next_u64() % n.max(1)
    }

    /// A number in `lo..=hi`.
    pub(super) fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }

    /// True `percent` times in a hundred.
    pub(super) fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub(super) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// A span of `lo..=hi` minutes.
    pub(super) fn minutes(&mut self, lo: i64, hi: i64) -> Duration {
        Duration::minutes(self.range(lo, hi))
    }
}
