//! `oauth-chaos`: see `harness::cli`.

fn main() {
    std::process::exit(harness::cli::run());
}
