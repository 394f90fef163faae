//! The `cosinum` command. Everything lives in the library, so that tests run
//! exactly what this binary runs.

fn main() -> std::process::ExitCode {
    cosinum::main()
}
