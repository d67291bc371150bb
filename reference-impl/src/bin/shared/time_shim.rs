//! Every binary's first act: when libfaketime is preloaded (how the harness
//! skews a broker process's clock), make `SystemClock` read through libc,
//! which libfaketime intercepts, instead of the vDSO, which it cannot.
//! Here, in the binaries, and not in the library's clock: a library has no
//! business reading `LD_PRELOAD`.

/// Turns on [`reference_impl::SystemClock::read_through_libc`] when
/// `LD_PRELOAD` names libfaketime.
pub fn follow_preloaded_faketime() {
    if std::env::var_os("LD_PRELOAD")
        .is_some_and(|libs| libs.to_string_lossy().contains("faketime"))
    {
        reference_impl::SystemClock::read_through_libc();
    }
}
