//! The `outlet` binary: parse the command line, run, map the outcome to an exit code.

use std::process::ExitCode;

/// mimalloc: a national inventory makes millions of small, short-lived allocations, many freed
/// on another thread than the one that made them; glibc's allocator is slow at both.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    outlet::cli::main()
}
