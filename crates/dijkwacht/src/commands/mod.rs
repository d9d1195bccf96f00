//! One module per command. Each returns the process exit code: 0 for success, 1 when
//! the input had problems the user must fix; errors that stop a command become 2.

mod admin;
pub(crate) mod alerts;
pub(crate) mod assets;
mod audit;
mod bench;
mod demo;
mod demo_alerts;
mod demo_fusion;
mod export;
pub(crate) mod import;
mod init;
mod match_events;
mod search;
mod serve;
mod source;
mod stats;
mod validate;

use std::process::ExitCode;

use crate::cli::{AuditCommand, BenchCommand, Cli, Command};
use crate::data_dir::DataDir;

pub fn run(arguments: Cli) -> anyhow::Result<ExitCode> {
    let data = DataDir::new(arguments.data);
    match arguments.command {
        Command::Init => init::run(&data),
        Command::Validate(options) => validate::run(&options),
        Command::Import(options) => runtime()?.block_on(import::run(&data, &options)),
        Command::Export(options) => runtime()?.block_on(export::run(&data, &options)),
        Command::Stats(options) => runtime()?.block_on(stats::run(&data, &options)),
        Command::Search(options) => runtime()?.block_on(search::run(&data, &options)),
        Command::Serve(options) => runtime()?.block_on(serve::run(&data, &options)),
        Command::Match(options) => runtime()?.block_on(match_events::run(&options)),
        Command::Demo(options) => runtime()?.block_on(demo::run(&data, &options)),
        Command::Org(command) => runtime()?.block_on(admin::organisation(&data, command)),
        Command::Community(command) => runtime()?.block_on(admin::community(&data, command)),
        Command::User(command) => runtime()?.block_on(admin::user(&data, command)),
        Command::Token(command) => runtime()?.block_on(admin::token(&data, command)),
        Command::Source(command) => runtime()?.block_on(source::run(&data, command)),
        Command::Assets(command) => runtime()?.block_on(assets::run(&data, command)),
        Command::Alerts(command) => runtime()?.block_on(alerts::run(&data, command)),
        Command::Audit(AuditCommand::Verify) => audit::verify(&data),
        Command::Audit(AuditCommand::Show { limit }) => audit::show(&data, limit),
        Command::Bench(BenchCommand::Ingest(options)) => {
            runtime()?.block_on(bench::ingest(&options))
        }
        Command::Bench(BenchCommand::Generate(options)) => bench::generate(&options),
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

/// Exit code 1: the command ran but found problems in its input.
pub fn problems_found() -> ExitCode {
    ExitCode::from(1)
}
