//! The `cosinum` command. Everything lives in the library, so that tests run
//! exactly what this binary runs.

/// jemalloc rather than the system allocator, with background threads that
/// give freed memory back to the system within a second
/// (`.cargo/config.toml`). A server builds its caches and search index on
/// several threads, then its threads sit idle: glibc's per-thread arenas
/// held twice the heap in use (issue #11: 422 MiB resident for a 198 MiB
/// heap peak at N=1000), and mimalloc, which purges freed pages only when
/// the thread that freed them allocates again, held ~100 MiB more than the
/// heap once the start-up's work was done (BENCHMARKS.md, thirteenth pass).
/// jemalloc also stands in for the C library's `malloc` (feature
/// `unprefixed_malloc_on_supported_platforms`), so that SQLite's page caches,
/// allocated on its connections' threads, are given back the same way.
/// Built without the default feature `jemalloc`, the system allocator
/// stays, for heap profilers.
#[cfg(feature = "jemalloc")]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> std::process::ExitCode {
    cosinum::main()
}
