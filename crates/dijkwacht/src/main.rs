//! The `dijkwacht` binary: reads the command line, then runs one command. This file is
//! the start-up script; each command lives in [`commands`].

mod alerts;
mod cli;
mod cli_alerts;
mod commands;
mod data_dir;
mod fusion;
mod matching;
mod reading;

use std::process::ExitCode;

use clap::Parser;

/// Parsing STIX allocates many small strings and maps; mimalloc does that markedly
/// faster than the system allocator (see BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let arguments = cli::Cli::parse();
    init_tracing(arguments.verbose);
    match commands::run(arguments) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

fn init_tracing(verbose: u8) {
    let default_level = match verbose {
        0 => "warn,dijkwacht=info",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("DIJKWACHT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}
