//! The run's broker processes by instance, and whether any of them is busy.
//!
//! The process timeline (`run/skip.rs`) jumps only across a quiet stretch.
//! The harness sees its own calls and the mock's requests, but not a
//! broker's work between them (parsing an answer, persisting a token). The
//! kernel does: a thread that is running or runnable is `R` in
//! `/proc/PID/task/TID/stat`, one waiting on a disk `D`. A broker whose
//! every thread sleeps is waiting for a call, a timer or a socket, and
//! skipping time then takes nothing from it. Crash points (`kill -9` at a
//! boundary) find the process to kill here too.

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};

/// The [`RunShared`](crate::broker::RunShared) name of the run's [`ProcessTable`].
pub const PROCESS_TABLE: &str = "process.table";

/// Process ids of the run's broker instances (the current process of
/// each: a restart replaces it).
#[derive(Debug, Default)]
pub struct ProcessTable {
    pids: Mutex<BTreeMap<u32, Process>>,
}

/// One instance's current process.
#[derive(Debug, Clone, Copy)]
struct Process {
    pid: u32,
    /// It declared `wall_clock_waits` (docs/PROTOCOL.md, "Time").
    wall_clock_waits: bool,
}

impl ProcessTable {
    /// Records `pid` as instance `instance`'s process, and whether it
    /// declared that its waits for provider-named times nap on the wall clock.
    pub fn set(&self, instance: u32, pid: u32, wall_clock_waits: bool) {
        self.lock().insert(
            instance,
            Process {
                pid,
                wall_clock_waits,
            },
        );
    }

    /// The process of `instance`, if it has one.
    pub fn pid(&self, instance: u32) -> Option<u32> {
        self.lock().get(&instance).map(|process| process.pid)
    }

    /// True when there are processes and every one declared `wall_clock_waits`.
    pub fn all_wait_on_wall_clock(&self) -> bool {
        let pids = self.lock();
        !pids.is_empty() && pids.values().all(|process| process.wall_clock_waits)
    }

    /// True when some thread of some broker process is running, runnable
    /// or in an uninterruptible (disk) wait. A process that is gone is
    /// not busy.
    ///
    /// ```
    /// use harness::broker::ProcessTable;
    /// let table = ProcessTable::default();
    /// assert!(!table.any_busy());
    /// table.set(0, std::process::id(), false);
    /// assert!(table.any_busy()); // this very thread is running
    /// ```
    pub fn any_busy(&self) -> bool {
        let pids: Vec<u32> = self.lock().values().map(|process| process.pid).collect();
        pids.into_iter().any(process_busy)
    }

    /// Stops (`SIGSTOP`) or resumes (`SIGCONT`) instance `instance`'s
    /// process, as a `pause` step stalls a broker: every thread of it stands
    /// still (a GC pause, a frozen VM) while its wall clock runs on. A
    /// stopped process's threads are `T`, so the timeline may skip across
    /// the pause. `false` when the instance has no process (or it is gone).
    pub fn stall(&self, instance: u32, stopped: bool) -> bool {
        use rustix::process::{Pid, Signal, kill_process};
        let Some(pid) = self
            .pid(instance)
            .and_then(|pid| i32::try_from(pid).ok())
            .and_then(Pid::from_raw)
        else {
            return false;
        };
        let signal = if stopped { Signal::STOP } else { Signal::CONT };
        kill_process(pid, signal).is_ok()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<u32, Process>> {
        self.pids.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// True when a thread of `pid` is in state `R` or `D`.
fn process_busy(pid: u32) -> bool {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return false;
    };
    tasks.flatten().any(|task| {
        std::fs::read_to_string(task.path().join("stat"))
            .ok()
            .and_then(|stat| thread_state(&stat))
            .is_some_and(|state| matches!(state, 'R' | 'D'))
    })
}

/// The state letter of a `/proc/.../stat` line: the first field after the
/// command name, which is in parentheses and may itself hold `)`.
fn thread_state(stat: &str) -> Option<char> {
    let after = stat.get(stat.rfind(')')? + 1..)?;
    after.trim_start().chars().next()
}

#[cfg(test)]
mod tests {
    use super::{ProcessTable, thread_state};

    fn state_of(pid: u32) -> Option<char> {
        thread_state(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
    }

    #[test]
    fn a_stalled_process_stands_still_until_it_is_resumed() {
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .expect("sleep runs");
        let table = ProcessTable::default();
        table.set(0, child.id(), false);
        assert!(table.stall(0, true));
        let stopped = (0..200).any(|_| {
            std::thread::sleep(std::time::Duration::from_millis(5));
            state_of(child.id()) == Some('T')
        });
        assert!(table.stall(0, false));
        let resumed = (0..200).any(|_| {
            std::thread::sleep(std::time::Duration::from_millis(5));
            state_of(child.id()) == Some('S')
        });
        let _ = child.kill();
        let _ = child.wait();
        assert!(stopped && resumed, "stopped {stopped}, resumed {resumed}");
        assert!(!table.stall(1, true), "no process for instance 1");
    }

    #[test]
    fn the_state_is_read_after_the_last_parenthesis_of_the_command() {
        assert_eq!(thread_state("42 (python3) S 1 42 42"), Some('S'));
        assert_eq!(thread_state("42 (odd) name)) R 1 42"), Some('R'));
        assert_eq!(thread_state("garbage"), None);
    }
}
