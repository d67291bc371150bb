//! The throwaway cluster really starts, serves and goes away.

use std::net::TcpStream;

#[test]
fn a_throwaway_cluster_listens_until_it_is_dropped() {
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
    drop(postgres);
    assert!(
        TcpStream::connect(&address).is_err(),
        "stopped after drop: {address}"
    );
}
