//! The `guildhall` binary: see [`guildhall_host::cli`].

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    guildhall_host::init_tracing();
    guildhall_host::cli::run(guildhall_host::cli::Cli::parse()).await
}
