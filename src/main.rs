use clap::Parser;
use qualify::cli::{self, Cli};
use std::process::ExitCode;

fn main() -> ExitCode {
    if let Err(failure) = cli::check_argument_lengths(std::env::args_os()) {
        return failure.report();
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return cli::clap_failure(err),
    };
    match &cli.command {
        Some(command) => match cli::execute(&cli, command) {
            Ok(status) => ExitCode::from(status),
            Err(failure) => failure.report(),
        },
        None => qualify::tui::main(&cli.options()),
    }
}
