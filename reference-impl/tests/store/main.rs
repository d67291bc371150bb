//! Store tests: one conformance suite (`conformance.rs`, `at_rest.rs`) run against
//! every store through `fixtures.rs` (`bucket_fixtures.rs` for the bucket store,
//! local-first included); PostgreSQL comes from the `throwaway-postgres` crate, the
//! S3-compatible server from `throwaway-bucket`.
//! Store-specific behaviour (memory fault knobs, file-system failures, keyrings)
//! has its own files.

mod at_rest;
mod bucket_faults;
mod bucket_fixtures;
mod conformance;
mod file_failures;
mod fixtures;
mod keyring;
mod local_first;
mod memory_faults;
mod postgres_reconnect;
mod rotate_cli;

/// Generates one `#[tokio::test]` per case in module `$store`; a fixture constructor
/// returning `None` (PostgreSQL unavailable outside CI) skips the case.
macro_rules! suite {
    ($store:ident, $fixture:path, $cases:ident: [$($case:ident),* $(,)?]) => {
        mod $store {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    if let Some(fixture) = $fixture().await {
                        crate::$cases::$case(&fixture).await;
                    }
                }
            )*
        }
    };
}

macro_rules! conformance {
    ($store:ident, $fixture:path) => {
        suite!($store, $fixture, conformance: [
            load_of_an_unknown_account_is_empty,
            a_first_write_stores_every_field,
            a_write_expecting_the_stored_version_replaces_it,
            a_stale_expected_version_conflicts_and_returns_the_current_grant,
            a_write_that_does_not_increase_the_version_is_refused,
            concurrent_writers_of_one_version_have_exactly_one_winner,
            a_lease_excludes_other_holders_until_released,
            an_expired_lease_can_be_taken_over_with_a_larger_fencing_token,
            concurrent_lease_requests_have_exactly_one_winner,
            a_holder_whose_lease_lapsed_cannot_overwrite_the_next_holders_grant,
            deleted_grants_are_gone_and_unlisted,
            account_names_with_odd_characters_are_kept_apart,
        ]);
    };
}

macro_rules! at_rest {
    ($store:ident, $fixture:path) => {
        suite!($store, $fixture, at_rest: [
            grants_survive_reopening_the_store,
            no_token_appears_in_the_raw_bytes,
            a_corrupt_record_is_a_typed_error_naming_the_account,
            a_record_copied_to_another_account_does_not_open,
            a_record_sealed_with_an_unknown_key_is_a_typed_error,
            rotation_reseals_every_record_under_the_primary_key,
        ]);
    };
}

mod memory {
    conformance!(contract, crate::fixtures::MemoryFixture::new);
}

mod file {
    conformance!(contract, crate::fixtures::FileFixture::new);
    at_rest!(at_rest, crate::fixtures::FileFixture::new);
}

mod sqlite {
    conformance!(contract, crate::fixtures::SqliteFixture::new);
    at_rest!(at_rest, crate::fixtures::SqliteFixture::new);
}

mod postgres {
    conformance!(contract, crate::fixtures::PostgresFixture::new);
    at_rest!(at_rest, crate::fixtures::PostgresFixture::new);
}

mod bucket_in_memory {
    conformance!(contract, crate::bucket_fixtures::BucketFixture::in_memory);
    at_rest!(at_rest, crate::bucket_fixtures::BucketFixture::in_memory);
}

mod bucket_local {
    conformance!(contract, crate::bucket_fixtures::BucketFixture::local);
    at_rest!(at_rest, crate::bucket_fixtures::BucketFixture::local);
}

mod bucket_s3 {
    conformance!(contract, crate::bucket_fixtures::BucketFixture::s3);
    at_rest!(at_rest, crate::bucket_fixtures::BucketFixture::s3);
}

mod local_first_over_bucket {
    conformance!(contract, crate::bucket_fixtures::LocalFirstFixture::new);
}
