//! The terminal face: app loop, keymap (data), actions, screens, widgets.
//! No SQL here beyond calls into the store from `update`.

pub mod action;
pub mod app;
pub mod keymap;
pub mod screens;
pub mod theme;
pub mod widgets;

pub use app::{App, Ctx};

use crate::config::{self, Failure, Options};
use std::process::ExitCode;

/// Open the database and playbook, then run the TUI until the person quits.
/// Problems found before the terminal is taken over print one line.
pub fn main(options: &Options) -> ExitCode {
    let session = match config::open(options) {
        Ok(session) => session,
        Err(failure) => return failure.report(),
    };
    let mut ctx = Ctx {
        db_label: session.db.display().to_string(),
        session,
        theme: theme::Theme::from_env(),
    };
    let _log = start_log(ctx.session.store.path());
    // a damaged file found after start shows as the list's read-only banner
    ctx.session.store.start_background_check();
    if let Err(e) = color_eyre::install() {
        tracing::warn!("could not install the error report hook: {e}");
    }
    restore_terminal_on_signals();
    tracing::info!("qualify started on {}", ctx.db_label);
    let result = ratatui::run(|terminal| App::new(ctx).run(terminal));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => Failure::refused(format!("terminal error: {e}")).report(),
    }
}

/// Log to `qualify.log` beside the database, never to the screen. The log
/// is 0600 (it names deals); a symlink in its place is not followed.
fn start_log(db: Option<&std::path::Path>) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let dir = crate::store::files::folder_of(db?);
    let file = crate::store::files::append_private(&dir.join("qualify.log")).ok()?;
    let (writer, guard) = tracing_appender::non_blocking(file);
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("QUALIFY_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .try_init()
        .ok()?;
    Some(guard)
}

/// SIGTERM / SIGHUP / SIGINT: put the terminal back before leaving. What was
/// confirmed is already in the database; only the field being typed is lost.
fn restore_terminal_on_signals() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGTERM, SIGHUP, SIGINT]) else {
        return;
    };
    std::thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            tracing::info!("signal {signal}: leaving");
            ratatui::restore();
            std::process::exit(128 + signal);
        }
    });
}
