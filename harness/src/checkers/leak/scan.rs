//! The one-pass scan. A leak is `width` consecutive bytes shared by a
//! channel and some form of some secret; finding every such run costs one
//! pass over each channel, whatever the number of secrets:
//!
//! - Every form's windows of `probe = width - stride + 1` bytes that start
//!   at a multiple of `stride` go into one hash index (a run of `width`
//!   shared bytes always contains one of them), keyed by a rolling hash.
//! - The channel is read once with the same rolling hash; a bit set sized
//!   to the index turns most positions away with one memory read, and the
//!   rest are looked up, compared byte for byte, and extended both ways:
//!   only a shared run of at least `width` bytes is a hit, so hash
//!   collisions never report a leak.

use super::forms::forms;
use rustc_hash::FxHashMap;

/// Where a hit came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Origin {
    /// What the secret is (`a refresh token`).
    pub what: &'static str,
    /// Which form of it (`raw`, `hex`, `base64 at offset 2`, ...).
    pub form: &'static str,
}

/// The rolling hash's base (odd, so it is invertible modulo 2^64).
const BASE: u64 = 0x0100_0000_01b3;

/// One indexed window: which form, where in it, and the next window with
/// the same hash (`u32::MAX`: none).
#[derive(Debug, Clone, Copy)]
struct Window {
    form: u32,
    offset: u32,
    next: u32,
}

/// Every sampled window of every form of every secret.
#[derive(Debug)]
pub(super) struct Needles {
    width: usize,
    probe: usize,
    /// `BASE^(probe-1)`, to roll a byte out.
    top: u64,
    forms: Vec<(Origin, Vec<u8>)>,
    windows: Vec<Window>,
    /// Hash → first window with it.
    index: FxHashMap<u64, u32>,
    /// One bit per bucket of hashes that some window has.
    filter: Vec<u64>,
    filter_bits: u32,
}

/// Spreads a rolling hash's bits before they pick a bucket.
fn mix(hash: u64) -> u64 {
    hash.wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

impl Needles {
    /// The windows of `secrets` (what each is, its bytes) for runs of
    /// `width` bytes. Forms shorter than `width` cannot be told from chance
    /// and are left out.
    pub fn new<'s>(
        secrets: impl IntoIterator<Item = (&'static str, &'s [u8])>,
        width: usize,
    ) -> Self {
        let stride = (width / 4).clamp(1, 4);
        let probe = width - stride + 1;
        let top = (1..probe).fold(1u64, |power, _| power.wrapping_mul(BASE));
        let mut needles = Self {
            width,
            probe,
            top,
            forms: Vec::new(),
            windows: Vec::new(),
            index: FxHashMap::default(),
            filter: Vec::new(),
            filter_bits: 0,
        };
        for (what, value) in secrets {
            for form in forms(value) {
                if form.bytes.len() >= width {
                    let origin = Origin {
                        what,
                        form: form.name,
                    };
                    needles.forms.push((origin, form.bytes));
                }
            }
        }
        for form in 0..needles.forms.len() {
            let bytes = &needles.forms[form].1;
            let hashes: Vec<(usize, u64)> = (0..=bytes.len() - probe)
                .step_by(stride)
                .map(|offset| (offset, needles.hash(&bytes[offset..offset + probe])))
                .collect();
            for (offset, hash) in hashes {
                needles.insert(hash, form, offset);
            }
        }
        needles.build_filter();
        needles
    }

    fn hash(&self, window: &[u8]) -> u64 {
        window.iter().fold(0u64, |hash, &byte| {
            hash.wrapping_mul(BASE).wrapping_add(u64::from(byte))
        })
    }

    fn insert(&mut self, hash: u64, form: usize, offset: usize) {
        let at = u32::try_from(self.windows.len()).unwrap_or(u32::MAX);
        let next = self.index.insert(mix(hash), at).unwrap_or(u32::MAX);
        self.windows.push(Window {
            form: u32::try_from(form).unwrap_or(u32::MAX),
            offset: u32::try_from(offset).unwrap_or(u32::MAX),
            next,
        });
    }

    fn build_filter(&mut self) {
        // About 16 bits per window: few positions get past it.
        let wanted = (self.windows.len() * 16).max(64).next_power_of_two();
        self.filter_bits = wanted.trailing_zeros();
        self.filter = vec![0; wanted / 64];
        for &key in self.index.keys() {
            let bucket = self.bucket(key);
            self.filter[bucket / 64] |= 1 << (bucket % 64);
        }
    }

    fn bucket(&self, key: u64) -> usize {
        (key >> (64 - self.filter_bits)) as usize
    }

    /// True when no secret was long enough to look for.
    pub fn is_empty(&self) -> bool {
        self.windows.is_empty()
    }

    /// The shortest shared run that counts.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Calls `hit(offset, origin)` for each shared run of at least `width`
    /// bytes between `bytes` and a form (offset: where it starts in
    /// `bytes`; one run may be reported more than once, always under the
    /// first form that has it), in one pass.
    pub fn scan(&self, bytes: &[u8], mut hit: impl FnMut(usize, Origin)) {
        if bytes.len() < self.probe || self.is_empty() {
            return;
        }
        let mut hash = self.hash(&bytes[..self.probe]);
        for start in 0..=bytes.len() - self.probe {
            if start > 0 {
                let out = u64::from(bytes[start - 1]).wrapping_mul(self.top);
                let next = u64::from(bytes[start + self.probe - 1]);
                hash = hash.wrapping_sub(out).wrapping_mul(BASE).wrapping_add(next);
            }
            let key = mix(hash);
            let bucket = self.bucket(key);
            if self.filter[bucket / 64] & (1 << (bucket % 64)) == 0 {
                continue;
            }
            let Some(&first) = self.index.get(&key) else {
                continue;
            };
            // Forms share runs (raw and url-encoded mostly agree): the
            // first form listed names the hit.
            let mut best: Option<(u32, usize)> = None;
            let mut at = first;
            while let Some(window) = self.windows.get(at as usize) {
                if best.is_none_or(|(form, _)| window.form < form)
                    && let Some(from) = self.shared_run(bytes, start, window)
                {
                    best = Some((window.form, from));
                }
                at = window.next;
            }
            if let Some((form, from)) = best {
                hit(from, self.forms[form as usize].0);
            }
        }
    }

    /// Where the run of bytes shared by `bytes` (around `start`) and the
    /// window's form (around its offset) begins in `bytes`, when it is at
    /// least `width` long.
    fn shared_run(&self, bytes: &[u8], start: usize, window: &Window) -> Option<usize> {
        let form = &self.forms[window.form as usize].1;
        let offset = window.offset as usize;
        if bytes[start..start + self.probe] != form[offset..offset + self.probe] {
            return None;
        }
        let before = bytes[..start]
            .iter()
            .rev()
            .zip(form[..offset].iter().rev())
            .take_while(|(a, b)| a == b)
            .count();
        let after = bytes[start + self.probe..]
            .iter()
            .zip(&form[offset + self.probe..])
            .take_while(|(a, b)| a == b)
            .count();
        (before + self.probe + after >= self.width).then_some(start - before)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(value: &str) -> (&'static str, &[u8]) {
        ("a refresh token", value.as_bytes())
    }

    fn hits(needles: &Needles, text: &[u8]) -> Vec<(usize, &'static str)> {
        let mut found = Vec::new();
        needles.scan(text, |offset, origin| found.push((offset, origin.form)));
        found.sort_unstable();
        found.dedup();
        found
    }

    #[test]
    fn a_run_of_the_width_is_found_wherever_it_starts_in_the_secret() {
        let value = "1//0abcdefghijklmnopqrstuvwxyz0123456789";
        let needles = Needles::new([secret(value)], 16);
        for from in 0..value.len() - 16 {
            let text = format!("xx {} yy", &value[from..from + 16]);
            let found = hits(&needles, text.as_bytes());
            assert!(found.contains(&(3, "raw")), "from {from}: {found:?}");
            assert!(
                found.iter().all(|(at, _)| *at == 3),
                "from {from}: {found:?}"
            );
        }
    }

    #[test]
    fn a_run_one_byte_short_of_the_width_is_not_a_hit() {
        let value = "1//0abcdefghijklmnopqrstuvwxyz0123456789";
        let needles = Needles::new([secret(value)], 16);
        for from in 0..value.len() - 15 {
            let text = format!("xx {} yy", &value[from..from + 15]);
            assert!(hits(&needles, text.as_bytes()).is_empty(), "from {from}");
        }
    }

    #[test]
    fn text_shorter_than_a_window_has_no_hit_and_short_secrets_no_windows() {
        let needles = Needles::new([secret("short")], 16);
        assert!(needles.is_empty());
        assert!(hits(&needles, b"short").is_empty());
    }

    #[test]
    fn small_widths_sample_every_offset() {
        let needles = Needles::new([secret("abcdefgh")], 4);
        assert_eq!(hits(&needles, b"..cdef.."), [(2, "raw")]);
        assert!(hits(&needles, b"..cde..").is_empty());
    }
}
