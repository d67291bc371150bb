//! A FIFO queue stored in fixed-size chunks, so that growing it never moves
//! (copies) what it holds.
//!
//! The journal and the secret registry append under a lock on every
//! request. A `Vec` or `VecDeque` that doubles copies all its elements
//! while the lock is held, which stalls every request behind it (tens of
//! milliseconds at a million entries). Here a push writes into the last
//! chunk, and a full chunk is followed by a new one of the same size: a
//! fixed-size allocation, no copy, taken from a recycled chunk when the
//! front one was emptied by pops (the steady state of a bounded store, which
//! then allocates nothing at all).

use std::collections::VecDeque;

/// Elements per chunk, unless a queue says otherwise.
pub(crate) const CHUNK: usize = 1024;

/// A queue of `T` in chunks of `N` elements.
#[derive(Debug)]
pub(crate) struct ChunkedQueue<T, const N: usize = CHUNK> {
    /// Every chunk but the first and the last is full (`N` elements).
    chunks: VecDeque<VecDeque<T>>,
    /// An emptied chunk kept for the next push that needs one.
    spare: Option<VecDeque<T>>,
    len: usize,
    /// Chunks allocated so far (the rest were recycled).
    allocated_chunks: usize,
}

impl<T, const N: usize> Default for ChunkedQueue<T, N> {
    fn default() -> Self {
        Self {
            chunks: VecDeque::new(),
            spare: None,
            len: 0,
            allocated_chunks: 0,
        }
    }
}

impl<T, const N: usize> ChunkedQueue<T, N> {
    /// A queue that can hold `expected` elements without growing its chunk
    /// list (the chunks themselves are allocated as they fill).
    pub fn with_expected_len(expected: usize) -> Self {
        Self {
            chunks: VecDeque::with_capacity(expected.div_ceil(N) + 1),
            ..Self::default()
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn push_back(&mut self, value: T) {
        let needs_chunk = self.chunks.back().is_none_or(|last| last.len() == N);
        if needs_chunk {
            let chunk = match self.spare.take() {
                Some(chunk) => chunk,
                None => {
                    self.allocated_chunks += 1;
                    VecDeque::with_capacity(N)
                }
            };
            self.chunks.push_back(chunk);
        }
        if let Some(last) = self.chunks.back_mut() {
            last.push_back(value);
            self.len += 1;
        }
    }

    pub fn pop_front(&mut self) -> Option<T> {
        let first = self.chunks.front_mut()?;
        let value = first.pop_front()?;
        self.len -= 1;
        if first.is_empty() {
            if let Some(empty) = self.chunks.pop_front() {
                self.spare.get_or_insert(empty);
            }
        }
        Some(value)
    }

    pub fn front(&self) -> Option<&T> {
        self.chunks.front().and_then(VecDeque::front)
    }

    /// The element at `index` from the front, in O(1).
    pub fn get(&self, index: usize) -> Option<&T> {
        let first = self.chunks.front()?;
        if index < first.len() {
            return first.get(index);
        }
        let rest = index - first.len();
        self.chunks.get(1 + rest / N)?.get(rest % N)
    }

    /// The elements from `start` on, front to back.
    pub fn iter_from(&self, start: usize) -> impl Iterator<Item = &T> {
        (start..self.len).filter_map(move |i| self.get(i))
    }

    /// The index of the first element for which `before` is false, assuming
    /// the queue is partitioned (all `before` elements first): a binary
    /// search over O(1) indexing.
    pub fn partition_point(&self, before: impl Fn(&T) -> bool) -> usize {
        let (mut low, mut high) = (0, self.len);
        while low < high {
            let middle = low + (high - low) / 2;
            match self.get(middle) {
                Some(value) if before(value) => low = middle + 1,
                _ => high = middle,
            }
        }
        low
    }
}

#[cfg(test)]
mod tests {
    use super::{CHUNK, ChunkedQueue};

    #[test]
    fn it_is_a_fifo_across_chunk_boundaries() {
        let mut queue = ChunkedQueue::<usize>::default();
        for n in 0..(3 * CHUNK + 7) {
            queue.push_back(n);
        }
        for n in 0..(CHUNK + 3) {
            assert_eq!(queue.pop_front(), Some(n));
        }
        assert_eq!(queue.len(), 2 * CHUNK + 4);
        assert_eq!(queue.front(), Some(&(CHUNK + 3)));
        for index in 0..queue.len() {
            assert_eq!(
                queue.get(index),
                Some(&(CHUNK + 3 + index)),
                "index {index}"
            );
        }
        assert_eq!(queue.get(queue.len()), None);
        let tail: Vec<usize> = queue.iter_from(queue.len() - 2).copied().collect();
        assert_eq!(tail, vec![3 * CHUNK + 5, 3 * CHUNK + 6]);
    }

    #[test]
    fn a_full_queue_that_pops_as_it_pushes_recycles_its_chunks() {
        let mut queue = ChunkedQueue::<usize>::default();
        for n in 0..(2 * CHUNK) {
            queue.push_back(n);
        }
        // Steady state of a bounded store: one pop per push.
        for n in (2 * CHUNK)..(3 * CHUNK) {
            queue.push_back(n);
            queue.pop_front();
        }
        let allocated = queue.allocated_chunks;
        for n in (3 * CHUNK)..(9 * CHUNK) {
            queue.push_back(n);
            queue.pop_front();
        }
        assert_eq!(queue.allocated_chunks, allocated, "no chunk was allocated");
        assert_eq!(queue.len(), 2 * CHUNK);
    }

    #[test]
    fn partition_point_finds_the_first_element_not_before() {
        let mut queue = ChunkedQueue::<u64, 64>::default();
        for n in (0..5000u64).map(|n| n * 2) {
            queue.push_back(n);
        }
        queue.pop_front();
        assert_eq!(queue.partition_point(|v| *v < 2), 0);
        assert_eq!(queue.partition_point(|v| *v < 3001), 1500);
        assert_eq!(queue.partition_point(|v| *v < 1_000_000), queue.len());
    }
}
