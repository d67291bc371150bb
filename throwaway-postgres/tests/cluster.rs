//! The throwaway cluster really starts, serves and goes away.

use std::net::TcpStream;

#[test]
fn a_throwaway_cluster_listens_until_stopped_resumes_and_goes_on_drop() {
    let postgres = match throwaway_postgres::Postgres::start() {
        Ok(postgres) => postgres,
        Err(error) => {
            assert!(
                !throwaway_postgres::ci_requires_postgres(),
                "CI=true and PostgreSQL is unavailable: {error}"
            );
            eprintln!("skipping: {error}");
            return;
        }
    };
    assert!(postgres.is_throwaway());
    let address = postgres
        .url()
        .strip_prefix("postgresql://postgres@")
        .and_then(|rest| rest.split('/').next())
        .expect("a url of the documented shape")
        .to_owned();
    assert!(
        TcpStream::connect(&address).is_ok(),
        "listening on {address}"
    );
    postgres.stop().expect("pg_ctl stop");
    assert!(
        TcpStream::connect(&address).is_err(),
        "refusing connections while stopped: {address}"
    );
    postgres.resume().expect("pg_ctl start on the same port");
    assert!(
        TcpStream::connect(&address).is_ok(),
        "listening again on {address}"
    );
    drop(postgres);
    assert!(
        TcpStream::connect(&address).is_err(),
        "stopped after drop: {address}"
    );
}

#[test]
fn a_cluster_starts_when_the_temp_dir_is_private_to_its_owner() {
    use std::os::unix::fs::PermissionsExt;
    // A TMPDIR of mode 0700 (systemd's PrivateTmp, pam_tmpdir): under root
    // the cluster runs as `nobody`, who cannot enter it.
    let private = tempfile::tempdir().expect("a temp dir");
    std::fs::set_permissions(private.path(), std::fs::Permissions::from_mode(0o700))
        .expect("chmod 0700");
    let postgres = match throwaway_postgres::Postgres::start_in(private.path()) {
        Ok(postgres) => postgres,
        Err(throwaway_postgres::PostgresError::NotInstalled) => {
            assert!(
                !throwaway_postgres::ci_requires_postgres(),
                "CI=true and PostgreSQL is not installed"
            );
            eprintln!("skipping: PostgreSQL is not installed");
            return;
        }
        Err(error) => panic!("the cluster did not start under a private TMPDIR: {error}"),
    };
    assert!(postgres.is_throwaway());
}

#[test]
fn someone_elses_server_cannot_be_stopped() {
    let postgres = throwaway_postgres::Postgres::existing("postgres://app@db/app");
    assert!(matches!(
        postgres.stop(),
        Err(throwaway_postgres::PostgresError::NotThrowaway)
    ));
    assert!(matches!(
        postgres.resume(),
        Err(throwaway_postgres::PostgresError::NotThrowaway)
    ));
}
