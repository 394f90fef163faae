//! The `cosinum` command. Everything lives in the library, so that tests run
//! exactly what this binary runs.

/// mimalloc rather than the system allocator: a server building its caches
/// and search index on several threads at once left glibc's per-thread
/// arenas fragmented, holding far more than it used (issue #11: peak heap
/// 422 MiB against 835 MiB resident at N=1000). Built without the default
/// feature `mimalloc`, the system allocator stays, for heap profilers.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cosinum::main()
}
