//! A kill -9 at a store write, for broker processes: the harness watches
//! the store's directory with inotify and SIGKILLs the process the moment
//! the kernel reports a write there (a file created, written, renamed into
//! place or deleted: the first syscall of the broker's commit), then the
//! step restarts it over the same store.
//!
//! The kill lands some tens of microseconds after the syscall the kernel
//! reported, so the broker dies inside its write, before the rename or
//! the transaction's commit that would finish it (a store that commits
//! in one syscall may get that one through: the broker's recovery must
//! handle both). A `file:` store is watched in its directory, a `sqlite:`
//! store in the directory of its database (its journal and WAL live
//! there).

use crate::broker::{BrokerFailure, FailureKind, WriteTrap};
use rustix::event::{PollFd, PollFlags, Timespec, poll};
use rustix::fs::inotify::{self, CreateFlags, WatchFlags};
use rustix::process::{Pid, Signal, kill_process};
use std::path::Path;

/// How often the watcher looks whether the trap was disarmed.
const DISARM_CHECK: Timespec = Timespec {
    tv_sec: 0,
    tv_nsec: 50_000_000,
};

/// Arms the trap: watches `dir` (the watch is in place when this returns)
/// and, on its first write event, SIGKILLs `pid` and fires the trap.
pub(super) fn kill_at_next_write(dir: &Path, pid: u32) -> Result<WriteTrap, BrokerFailure> {
    let failure = |what: &str, error: rustix::io::Errno| {
        BrokerFailure::new(
            FailureKind::Other,
            format!(
                "cannot watch the store at {} ({what}): {error}",
                dir.display()
            ),
        )
    };
    let pid = i32::try_from(pid)
        .ok()
        .and_then(Pid::from_raw)
        .ok_or_else(|| BrokerFailure::new(FailureKind::Other, "the broker has no pid"))?;
    let watch = inotify::init(CreateFlags::CLOEXEC | CreateFlags::NONBLOCK)
        .map_err(|error| failure("inotify_init1", error))?;
    inotify::add_watch(
        &watch,
        dir,
        WatchFlags::CREATE | WatchFlags::MODIFY | WatchFlags::MOVED_TO | WatchFlags::DELETE,
    )
    .map_err(|error| failure("inotify_add_watch", error))?;
    let (trap, fire) = WriteTrap::new();
    std::thread::Builder::new()
        .name("store-write-watch".to_owned())
        .spawn(move || {
            loop {
                if fire.is_closed() {
                    return; // disarmed
                }
                let mut fds = [PollFd::new(&watch, PollFlags::IN)];
                match poll(&mut fds, Some(&DISARM_CHECK)) {
                    Ok(0) | Err(rustix::io::Errno::INTR) => continue,
                    Ok(_) => {
                        // Killed first, told after: nothing of the broker's
                        // runs between the write and its death but the
                        // kernel's delivery of the signal.
                        let _ = kill_process(pid, Signal::KILL);
                        let _ = fire.send(());
                        return;
                    }
                    Err(_) => return, // the trap never fires: the step says so
                }
            }
        })
        .map_err(|error| {
            BrokerFailure::new(
                FailureKind::Other,
                format!("cannot start the store watcher: {error}"),
            )
        })?;
    Ok(trap)
}
