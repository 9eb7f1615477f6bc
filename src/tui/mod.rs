//! The terminal face: app loop, keymap (data), actions, screens, widgets.
//! No SQL here: every read and change goes through ops.

pub mod action;
pub mod app;
pub mod job;
pub mod keymap;
pub mod screens;
pub mod shared;
pub mod theme;
pub mod widgets;

pub use app::App;
pub use shared::Ctx;

use crate::config::{self, Failure, Options};
use crate::ops;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicI32, Ordering};

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
    let _log = start_log(ops::watch::file(&ctx.session));
    // a damaged file found after start shows as the list's read-only banner
    ops::watch::start_background_check(&mut ctx.session);
    if let Err(e) = color_eyre::install() {
        tracing::warn!("could not install the error report hook: {e}");
    }
    restore_terminal_on_signals();
    report_crashes(
        ops::watch::file(&ctx.session)
            .and_then(|p| p.parent())
            .map(folder_or_here),
    );
    tracing::info!("qualify started on {}", ctx.db_label);
    // ratatui::run wraps the hooks above in its own, which restores the
    // terminal before they run
    let result = ratatui::run(|terminal| App::new(ctx).run(terminal));
    restore_terminal();
    if let Some(signal) = quit_signal() {
        return ExitCode::from(128 + signal as u8);
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => Failure::refused(format!("terminal error: {e}")).report(),
    }
}

/// The folder a file lives in, `.` for a bare file name.
fn folder_or_here(dir: &Path) -> PathBuf {
    if dir.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        dir.to_path_buf()
    }
}

/// Log to `qualify.log` beside the database, never to the screen. The log
/// is 0600 (it names deals); a symlink in its place is not followed.
fn start_log(db: Option<&std::path::Path>) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let dir = crate::files::folder_of(db?);
    let file = crate::files::append_private(&dir.join("qualify.log")).ok()?;
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
            // the app sees this within its watch interval, saves or keeps
            // as a draft what is being typed, and leaves; should it not,
            // leave anyway a little later
            QUIT_SIGNAL.store(signal, Ordering::SeqCst);
            std::thread::sleep(std::time::Duration::from_secs(3));
            restore_terminal();
            std::process::exit(128 + signal);
        }
    });
}

/// The signal that asked qualify to quit, if any (0: none).
static QUIT_SIGNAL: AtomicI32 = AtomicI32::new(0);

/// Whether a signal (SIGTERM, SIGHUP, SIGINT) asked qualify to quit.
pub fn quit_signal() -> Option<i32> {
    match QUIT_SIGNAL.load(Ordering::SeqCst) {
        0 => None,
        signal => Some(signal),
    }
}

/// Leave raw mode and the alternate screen, and show the cursor again
/// (`ratatui::restore` leaves it hidden).
pub fn restore_terminal() {
    use ratatui::crossterm::{cursor::Show, execute};
    ratatui::restore();
    let _ = execute!(std::io::stdout(), Show);
}

/// On a panic: put the terminal back, write a crash report (0600) beside the
/// database and its log, and say where it is. The hooks installed before
/// (the error report) still run after.
fn report_crashes(dir: Option<PathBuf>) {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_terminal();
        let report = format!(
            "qualify {} crashed\n{info}\n\n{}\n",
            env!("CARGO_PKG_VERSION"),
            std::backtrace::Backtrace::force_capture()
        );
        tracing::error!("crashed: {info}");
        if let Some(dir) = &dir {
            match write_crash_report(dir, &report, crate::Clock::system().now()) {
                Ok(path) => eprintln!(
                    "qualify: crashed; a report is in {} (what you were doing helps)",
                    path.display()
                ),
                Err(e) => {
                    eprintln!("qualify: crashed, and the crash report could not be written: {e}")
                }
            }
        }
        previous(info);
    }));
}

/// Write `report` to `qualify-crash-<time>.txt` in `dir`, readable by the
/// user only (it may quote customer data), never over an existing file.
pub fn write_crash_report(
    dir: &Path,
    report: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> std::io::Result<PathBuf> {
    use std::io::Write;
    let stamp = at.format("%Y%m%dT%H%M%SZ");
    let mut n = 0;
    loop {
        let name = match n {
            0 => format!("qualify-crash-{stamp}.txt"),
            n => format!("qualify-crash-{stamp}-{n}.txt"),
        };
        let path = dir.join(name);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        match options.open(&path) {
            Ok(mut file) => {
                file.write_all(report.as_bytes())?;
                file.sync_all()?;
                return Ok(path);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 100 => n += 1,
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_crash_report_is_private_and_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let at = chrono::DateTime::UNIX_EPOCH;
        let first = write_crash_report(dir.path(), "boom", at).unwrap();
        let second = write_crash_report(dir.path(), "again", at).unwrap();
        assert_eq!(
            first.file_name().unwrap(),
            "qualify-crash-19700101T000000Z.txt"
        );
        assert_ne!(first, second);
        assert_eq!(std::fs::read_to_string(&first).unwrap(), "boom");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&first).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
