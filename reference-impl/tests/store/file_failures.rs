//! How the file and SQLite stores meet a hostile filesystem: read-only, full, or not a
//! directory.
//!
//! Permission bits do not stop root (the tests run as root in CI), so under root the
//! read-only and full cases use a real tiny tmpfs (remounted read-only, or filled up);
//! otherwise a `chmod 0500` directory. Where neither is possible the test says so.

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::process::Command;

use reference_impl::{FileStore, Keyring, SqliteStore, StoreError, TokenStore};
use tempfile::TempDir;

use crate::conformance::grant;

/// A tmpfs mounted on a temp dir, unmounted on drop.
struct Tmpfs(TempDir);

impl Tmpfs {
    fn mount(size: &str) -> Option<Self> {
        let dir = tempfile::tempdir().ok()?;
        let mounted = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0700"),
                "tmpfs",
            ])
            .arg(dir.path())
            .output()
            .is_ok_and(|output| output.status.success());
        // Built only once mounted: dropping a `Tmpfs` unmounts.
        mounted.then(|| Self(dir))
    }

    fn remount_read_only(&self) -> bool {
        Command::new("mount")
            .args(["-o", "remount,ro"])
            .arg(self.0.path())
            .status()
            .is_ok_and(|status| status.success())
    }

    fn path(&self) -> &Path {
        self.0.path()
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(self.0.path()).status();
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|output| output.stdout.trim_ascii() == b"0")
}

#[tokio::test]
async fn a_read_only_directory_keeps_serving_reads_and_reports_writes_as_read_only() {
    let keyring = Keyring::generate("k1");
    let plain = tempfile::tempdir().expect("temp dir");
    let (holder, dir) = if is_root() {
        let Some(tmpfs) = Tmpfs::mount("1m") else {
            eprintln!("skipping: running as root and cannot mount a tmpfs to make read-only");
            return;
        };
        let dir = tmpfs.path().to_owned();
        (Some(tmpfs), dir)
    } else {
        (None, plain.path().join("store"))
    };
    let store = FileStore::open(&dir, keyring).expect("open");
    let _ = store
        .compare_and_swap("alice", None, grant(1))
        .await
        .expect("write");

    match &holder {
        Some(tmpfs) => assert!(tmpfs.remount_read_only(), "remount read-only"),
        None => {
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o500)).expect("chmod")
        }
    }
    assert_eq!(
        store
            .load("alice")
            .await
            .expect("reads still work")
            .expect("stored")
            .version,
        1
    );
    let error = store
        .compare_and_swap("alice", Some(1), grant(2))
        .await
        .expect_err("read-only");
    assert!(matches!(error, StoreError::ReadOnly), "{error:?}");
    let error = store.delete("alice").await.expect_err("read-only");
    assert!(matches!(error, StoreError::ReadOnly), "{error:?}");
    if holder.is_none() {
        // Let the temp dir clean itself up.
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    }
}

#[tokio::test]
async fn a_full_filesystem_is_reported_as_read_only() {
    let Some(tmpfs) = Tmpfs::mount("64k") else {
        eprintln!("skipping: no permission to mount a tiny tmpfs to fill up");
        return;
    };
    let store = FileStore::open(tmpfs.path().join("store"), Keyring::generate("k1")).expect("open");
    let _ = store
        .compare_and_swap("alice", None, grant(1))
        .await
        .expect("write");
    // Fill what is left of the filesystem.
    let filler = std::fs::write(tmpfs.path().join("filler"), vec![0_u8; 1 << 20]);
    assert!(filler.is_err(), "the tmpfs should have run out of space");

    let error = store
        .compare_and_swap("alice", Some(1), grant(2))
        .await
        .expect_err("disk full");
    assert!(matches!(error, StoreError::ReadOnly), "{error:?}");
    assert_eq!(
        store
            .load("alice")
            .await
            .expect("reads still work")
            .expect("stored")
            .version,
        1
    );
    let leftovers: Vec<_> = std::fs::read_dir(tmpfs.path().join("store"))
        .expect("list")
        .flatten()
        .filter(|entry| entry.file_name().to_string_lossy().starts_with(".tmp-"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "a failed write must not leave its temp file"
    );
}

#[tokio::test]
async fn a_store_path_under_a_regular_file_is_a_typed_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("plain-file");
    std::fs::write(&file, b"not a directory").expect("write");
    let error =
        FileStore::open(file.join("store"), Keyring::generate("k1")).expect_err("not a dir");
    assert!(matches!(error, StoreError::Unavailable { .. }), "{error:?}");
}

#[tokio::test]
async fn records_are_private_to_the_owner() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store_dir = dir.path().join("store");
    let store = FileStore::open(&store_dir, Keyring::generate("k1")).expect("open");
    let _ = store
        .compare_and_swap("alice", None, grant(1))
        .await
        .expect("write");

    let mode = |path: &Path| {
        std::fs::metadata(path)
            .expect("metadata")
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode(&store_dir), 0o700);
    assert_eq!(mode(&store.grant_path("alice")), 0o600);
}

#[tokio::test]
async fn a_record_that_is_not_json_is_corrupt() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = FileStore::open(dir.path(), Keyring::generate("k1")).expect("open");
    std::fs::write(store.grant_path("alice"), b"<html>oops</html>").expect("write");
    let error = store.load("alice").await.expect_err("garbage");
    assert!(
        matches!(&error, StoreError::Corrupt { account } if account == "alice"),
        "{error:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_store_on_a_full_filesystem_reports_read_only_and_keeps_serving_reads() {
    let Some(tmpfs) = Tmpfs::mount("1m") else {
        eprintln!("skipping: no permission to mount a tiny tmpfs to fill up");
        return;
    };
    let path = tmpfs.path().join("tokens.db");
    let store = SqliteStore::open(&path, Keyring::generate("k1"))
        .await
        .expect("open");
    let _ = store
        .compare_and_swap("alice", None, grant(1))
        .await
        .expect("write");
    let filler = std::fs::write(tmpfs.path().join("filler"), vec![0_u8; 2 << 20]);
    assert!(filler.is_err(), "the tmpfs should have run out of space");

    let mut version = 1;
    let error = loop {
        // The WAL may still have room for a few frames; write until it has none.
        match store
            .compare_and_swap("alice", Some(version), grant(version + 1))
            .await
        {
            Ok(_) if version < 10_000 => version += 1,
            Ok(_) => panic!("10,000 writes fitted on a full filesystem"),
            Err(error) => break error,
        }
    };
    assert!(matches!(error, StoreError::ReadOnly), "{error:?}");
    assert_eq!(
        store
            .load("alice")
            .await
            .expect("reads still work")
            .expect("stored")
            .version,
        version
    );
}
