//! A broker process's own wall clock, moved by libfaketime.
//!
//! An in-process broker reads the harness's `SimClock`, so `skew_clock` and
//! `jump_clock` reach it directly. A process reads the system clock. To
//! move that, the harness preloads libfaketime (Debian package `faketime`)
//! into the process, points it at a per-instance file holding the offset,
//! and rewrites the file when the clock should move. libfaketime re-reads
//! the file on every clock reading (`FAKETIME_NO_CACHE=1`), so the change
//! takes effect at the next reading, with no restart. The monotonic clock is
//! left alone (`FAKETIME_DONT_FAKE_MONOTONIC=1`): tokio timers and leases
//! keep real time, as they do on a machine whose NTP steps the wall clock.
//!
//! libfaketime fakes `CLOCK_REALTIME` and `CLOCK_REALTIME_COARSE` (the
//! reference broker's `SystemClock`), `time()` and `gettimeofday()`. The
//! multi-threaded build (`libfaketimeMT.so.1`, same Debian package) is
//! preferred: only it keeps every reading of a threaded process skewed.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Where the harness looks for libfaketime when
/// `OAUTH_CHAOS_LIBFAKETIME` is not set.
const SEARCH_ROOTS: [&str; 2] = ["/usr/lib", "/usr/local/lib"];

/// The environment variable naming libfaketime explicitly.
pub const LIBFAKETIME_ENV: &str = "OAUTH_CHAOS_LIBFAKETIME";

/// The libraries to look for in a `faketime/` directory, best first: the
/// multi-threaded build serialises every clock reading behind a mutex.
/// The plain one does not, and with `FAKETIME_NO_CACHE=1` each reading
/// re-parses the offset through a static buffer that briefly holds `+0`:
/// a thread reading the clock then gets the real time (we measured 1 read
/// in about 1,300 of a 4-thread Python process escaping, none with the MT
/// build; docs/SCENARIOS.md).
const LIBRARIES: [&str; 2] = ["libfaketimeMT.so.1", "libfaketime.so.1"];

/// The libfaketime to preload: `$OAUTH_CHAOS_LIBFAKETIME` as given, else
/// `libfaketimeMT.so.1` (or, without it, `libfaketime.so.1`) from
/// `/usr/lib/faketime/`, `/usr/lib/*/faketime/` (or the same under
/// `/usr/local/lib`); `None` when it is not installed.
pub fn libfaketime() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(LIBFAKETIME_ENV) {
        let path = PathBuf::from(path);
        return path.is_file().then_some(path);
    }
    let mut dirs = Vec::new();
    for root in SEARCH_ROOTS.iter().map(Path::new) {
        dirs.push(root.join("faketime"));
        let mut multiarch: Vec<PathBuf> = std::fs::read_dir(root)
            .into_iter()
            .flatten()
            .flatten()
            .map(|entry| entry.path().join("faketime"))
            .collect();
        multiarch.sort();
        dirs.extend(multiarch);
    }
    LIBRARIES.iter().find_map(|name| {
        dirs.iter()
            .map(|dir| dir.join(name))
            .find(|path| path.is_file())
    })
}

/// The [`RunShared`](crate::broker::RunShared) name under which a run that
/// moves broker clocks registers a [`BrokerClockControl`].
pub const BROKER_CLOCK_CONTROL: &str = "process.broker-clock-control";

/// Registered by a run whose timeline moves broker clocks: process
/// instances then run under libfaketime with their own offset file.
#[derive(Debug, Clone)]
pub struct BrokerClockControl {
    /// The libfaketime to preload (`libfaketimeMT.so.1` when installed).
    pub libfaketime: PathBuf,
}

/// What to tell the user when libfaketime is missing.
pub const MISSING_LIBFAKETIME: &str = "a broker process follows the scenario's timeline (skews, skipped quiet stretches) through libfaketime (Debian package `faketime`: run scripts/install-faketime.sh, or set OAUTH_CHAOS_LIBFAKETIME)";

/// One instance's offset file and the environment that makes a process
/// read its wall clock through it. Kept across restarts, so a respawned
/// process starts with the same offset.
#[derive(Debug)]
pub(super) struct FakeClock {
    library: PathBuf,
    dir: tempfile::TempDir,
}

impl FakeClock {
    /// A clock at offset zero, using `library`.
    pub fn new(library: PathBuf) -> std::io::Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix("oauth-chaos-clock-")
            .tempdir()?;
        let clock = Self { library, dir };
        clock.set_offset_ms(0)?;
        Ok(clock)
    }

    fn file(&self) -> PathBuf {
        self.dir.path().join("faketimerc")
    }

    /// The variables to spawn the broker with.
    pub fn env(&self) -> Vec<(String, String)> {
        [
            ("LD_PRELOAD", self.library.display().to_string()),
            ("FAKETIME_TIMESTAMP_FILE", self.file().display().to_string()),
            ("FAKETIME_NO_CACHE", "1".to_owned()),
            ("FAKETIME_DONT_FAKE_MONOTONIC", "1".to_owned()),
        ]
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value))
        .collect()
    }

    /// Sets the offset from true time (positive: ahead). The file is
    /// replaced by a rename, so libfaketime never reads half a line.
    pub fn set_offset_ms(&self, offset_ms: i64) -> std::io::Result<()> {
        let staging = self.dir.path().join("faketimerc.new");
        let mut file = std::fs::File::create(&staging)?;
        writeln!(file, "{}", offset_line(offset_ms))?;
        // No fsync: readers need the rename to be atomic, not durable, and
        // the process timeline rewrites the file at every skipped stretch.
        drop(file);
        std::fs::rename(staging, self.file())
    }
}

/// libfaketime's relative-offset syntax: a sign, then seconds (fractions
/// allowed), e.g. `+600`, `-600`, `+0.250`.
fn offset_line(offset_ms: i64) -> String {
    let sign = if offset_ms < 0 { '-' } else { '+' };
    let magnitude = offset_ms.unsigned_abs();
    format!("{sign}{}.{:03}", magnitude / 1000, magnitude % 1000)
}

#[cfg(test)]
mod tests {
    use super::offset_line;

    #[test]
    fn offsets_are_written_in_libfaketime_relative_syntax() {
        assert_eq!(offset_line(600_000), "+600.000");
        assert_eq!(offset_line(-600_000), "-600.000");
        assert_eq!(offset_line(-250), "-0.250");
        assert_eq!(offset_line(0), "+0.000");
    }
}
