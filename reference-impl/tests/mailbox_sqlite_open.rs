//! Opening the SQLite mailbox while another process is writing to the file.

use reference_impl::{MailboxStore, SqliteMailbox};
use std::time::Duration;

#[tokio::test]
async fn opening_a_file_another_connection_is_writing_waits_for_it_instead_of_failing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("mailbox.db");
    // A file in the default rollback-journal mode, as another tool or an
    // older version would have left it, with a writer holding its lock.
    let writer = rusqlite::Connection::open(&path).expect("opens");
    writer
        .execute_batch(
            "CREATE TABLE other (x INTEGER); BEGIN IMMEDIATE; INSERT INTO other VALUES (1);",
        )
        .expect("write transaction");
    let holder = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        writer.execute_batch("COMMIT").expect("commits");
    });
    let opened = tokio::task::spawn_blocking(move || SqliteMailbox::open(&path))
        .await
        .expect("joins");
    holder.join().expect("writer thread");
    let mailbox = opened.expect("the open waited out the writer");
    assert_eq!(mailbox.cursor("alice").await.expect("reads"), None);
}
