//! The run loop and what wakes it: keys, the minute turning (timers), work
//! on another thread (an import's progress, the dashboard's metrics),
//! another process's changes, the background integrity check, and a signal
//! asking qualify to quit.

use super::{App, Flow, View};
use crate::clock::Clock;
use crate::ops;
use crate::tui::action::Action;
use crate::tui::keymap;
use crate::tui::shared::Status;
use ratatui::DefaultTerminal;
use ratatui::crossterm::event::{self, Event, KeyEventKind};
use ratatui::layout::Rect;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

impl App {
    /// Whether an import, an export or the dashboard's metrics are being
    /// worked out on another thread.
    pub fn is_working(&self) -> bool {
        match &self.view {
            View::Import(d) => d.is_working(),
            View::Export(d) => d.is_working(),
            View::Dashboard(d) => d.is_working(),
            _ => false,
        }
    }

    /// Take the progress an import or export reported, or the metrics the
    /// dashboard was waiting for; whether the screen should be drawn again.
    pub fn poll_work(&mut self) -> bool {
        let outcome = match &mut self.view {
            View::Import(d) if d.is_working() => d.poll(),
            View::Export(d) if d.is_working() => d.poll(),
            View::Dashboard(d) if d.is_working() => {
                return match d.poll(&mut self.ctx.session) {
                    Ok(came) => came,
                    Err(e) => {
                        self.status = Some(Status::error(e));
                        true
                    }
                };
            }
            _ => return false,
        };
        self.dialog_outcome(outcome);
        true
    }

    /// Wait until the import or export running now is done (tests and
    /// scripts; the run loop polls instead).
    pub fn wait_for_work(&mut self) {
        while self.is_working() {
            let outcome = match &mut self.view {
                View::Import(d) => d.wait(),
                View::Export(d) => d.wait(),
                View::Dashboard(d) => {
                    if let Err(e) = d.wait(&mut self.ctx.session) {
                        self.status = Some(Status::error(e));
                    }
                    continue;
                }
                _ => return,
            };
            self.dialog_outcome(outcome);
        }
    }
    /// The minute turned: timers move, and changes made elsewhere show.
    pub fn tick(&mut self) {
        match &mut self.view {
            View::Deal(deal, _) | View::EditDeal { screen: deal, .. } => {
                if let Some(status) = deal.tick(&self.ctx) {
                    self.status = Some(status);
                }
            }
            View::Dashboard(dashboard) => {
                if let Err(e) = dashboard.reload(&self.ctx.session) {
                    self.status = Some(Status::error(e.to_string()));
                }
            }
            View::List => self.reload_list(),
            View::NewDeal(_) | View::Import(_) | View::Export(_) | View::Snooze(_) => {}
        }
    }

    /// Another process wrote to the database since we last looked: show it
    /// (what is being typed stays in its editor). Whether anything moved.
    pub fn notice_changes(&mut self) -> bool {
        let Ok(now) = ops::watch::change_mark(&self.ctx.session) else {
            return false;
        };
        let seen = self.data_version.replace(now);
        if seen.is_none_or(|seen| seen == now) {
            return false;
        }
        // the dashboard's metrics are computed again; other screens re-read
        if let View::Dashboard(dashboard) = &mut self.view {
            if let Err(e) = dashboard.refresh(&mut self.ctx.session) {
                self.status = Some(Status::error(e));
            }
        } else {
            self.tick();
        }
        true
    }

    /// The background integrity check's finding, once: a damaged file makes
    /// the app read-only (the store refuses writes; the list shows a banner).
    /// Whether anything changed.
    pub fn health_check(&mut self) -> bool {
        let Some(problem) = ops::watch::background_check(&mut self.ctx.session) else {
            return false;
        };
        self.reload_list();
        let label = &self.ctx.db_label;
        self.status = Some(Status::error(format!(
            "{label} is damaged ({problem}); it is read-only now — run `qualify --db {label} doctor`"
        )));
        true
    }

    /// Run until the person quits. Draws only after something happened.
    pub fn run(mut self, terminal: &mut DefaultTerminal) -> std::io::Result<()> {
        let mut dirty = true;
        let minute = |app: &App| app.ctx.session.clock.now().timestamp().div_euclid(60);
        let mut shown_minute = minute(&self);
        self.notice_changes();
        let waited = Arc::new(AtomicBool::new(false));
        {
            let waited = Arc::clone(&waited);
            let label = crate::text::clean(&self.ctx.db_label);
            ops::watch::on_lock_wait(
                &mut self.ctx.session,
                Box::new(move || {
                    waited.store(true, Ordering::Relaxed);
                    show_waiting(&label);
                }),
            );
        }
        loop {
            let size = terminal.size()?;
            self.resize(Rect::new(0, 0, size.width, size.height));
            dirty |= self.health_check();
            if waited.swap(false, Ordering::Relaxed) {
                // the waiting words were written past ratatui's buffer
                terminal.clear()?;
                dirty = true;
            }
            if dirty {
                terminal.draw(|frame| frame.render_widget(&self, frame.area()))?;
            }
            dirty = false;
            // wake for the minute turning (timers), to look for another
            // process's changes (a cheap pragma), and more often while the
            // background integrity check runs
            let mut wait = until_next_minute(&self.ctx.session.clock).min(WATCH_EVERY);
            if ops::watch::checking(&self.ctx.session) {
                wait = wait.min(Duration::from_millis(200));
            }
            // the progress bar of an import or export moves
            if self.is_working() {
                wait = wait.min(WORK_EVERY);
            }
            let polled = event::poll(wait)?;
            if crate::tui::quit_signal().is_some() {
                // asked to quit: what is being typed is saved or kept as a
                // draft, as with Ctrl-C (twice if even the draft failed)
                if self.update(Action::ForceQuit) == Flow::Continue {
                    self.update(Action::ForceQuit);
                }
                return Ok(());
            }
            dirty |= self.poll_work();
            if !polled {
                if minute(&self) != shown_minute {
                    shown_minute = minute(&self);
                    self.tick();
                    dirty = true;
                }
                dirty |= self.notice_changes();
                continue;
            }
            match event::read()? {
                Event::Key(key) if key.kind != KeyEventKind::Release => {
                    if let Some(action) = keymap::action_for(&self.layers(), &key) {
                        if !matches!(action, Action::Type(_)) {
                            tracing::debug!(?action, "key");
                        }
                        if self.update(action) == Flow::Quit {
                            return Ok(());
                        }
                        dirty = true;
                    }
                }
                Event::Resize(..) | Event::FocusGained => dirty = true,
                _ => {}
            }
        }
    }
}

/// How often the progress of an import or export is drawn.
const WORK_EVERY: Duration = Duration::from_millis(100);

/// How often the app looks for changes made by another process.
const WATCH_EVERY: Duration = Duration::from_millis(500);

/// How long to sleep until the next minute starts (timers show minutes).
fn until_next_minute(clock: &Clock) -> Duration {
    use chrono::Timelike;
    let now = clock.now();
    let into = u64::from(now.second()) * 1000 + u64::from(now.timestamp_subsec_millis());
    Duration::from_millis(60_000 - into.min(59_999))
}

/// Say on the bottom line, at once, that a write waits for another program's
/// write lock on `label`: the loop is held until the write is done, so the
/// words go straight to the terminal (the next draw repaints everything).
fn show_waiting(label: &str) {
    use ratatui::crossterm::cursor::{MoveTo, RestorePosition, SavePosition};
    use ratatui::crossterm::style::{Attribute, Print, SetAttribute};
    use ratatui::crossterm::terminal::{Clear, ClearType, size};
    use std::io::Write;
    let Ok((width, height)) = size() else { return };
    let words = format!(
        " waiting for another program's write lock on {label}… (up to {} s; nothing is lost)",
        ops::watch::LONGEST_LOCK_WAIT.as_secs()
    );
    let shown: String = words.chars().take(usize::from(width)).collect();
    let mut out = std::io::stdout();
    let _ = ratatui::crossterm::queue!(
        out,
        SavePosition,
        MoveTo(0, height.saturating_sub(1)),
        Clear(ClearType::CurrentLine),
        SetAttribute(Attribute::Reverse),
        Print(shown),
        SetAttribute(Attribute::Reset),
        RestorePosition
    );
    let _ = out.flush();
    tracing::info!("waiting for another program's write lock on {label}");
}
