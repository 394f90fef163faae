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
    // mimalloc asks the kernel for transparent huge pages on its arenas, and
    // a 2 MiB page counts whole in the resident set however little of it is
    // in use: at N=1000 a third of the server's heap sat in huge pages, and
    // with them off it held 281 MiB instead of 378 at the end of the bench's
    // sequence (issue #11, BENCHMARKS.md). The flag covers the whole process,
    // whatever the system's setting; where it cannot be set, nothing changes.
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
    cosinum::main()
}
