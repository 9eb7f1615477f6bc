//! The app: which screen is showing, the loop, and `update`, the only place
//! that calls the store. Rendering is a pure function of the state.

use super::action::Action;
use super::keymap::{self, Layer};
use super::screens::dashboard::{DashboardOutcome, DashboardScreen};
use super::screens::deal::{DealOutcome, DealScreen};
use super::screens::deal_form::{DealForm, FormOutcome};
use super::screens::list::{ListOutcome, ListScreen};
use super::screens::snooze::{SnoozeDialog, SnoozeOutcome};
use super::screens::transfer::{DialogOutcome, ExportDialog, ImportDialog};
use super::shared::{Ctx, Look, Status, Tone};
use super::widgets::help::HelpOverlay;
use crate::clock::Clock;
use crate::ops;
use ratatui::DefaultTerminal;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{self, Event, KeyEventKind};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};
use std::time::Duration;

/// The smallest window qualify draws in.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Quit,
}

enum View {
    List,
    Dashboard(Box<DashboardScreen>),
    /// A deal, and the dashboard it was opened from (Esc goes back to it).
    Deal(Box<DealScreen>, Option<FromDashboard>),
    NewDeal(Box<DealForm>),
    /// The deal's own fields in a form, over its deal screen.
    EditDeal {
        form: Box<DealForm>,
        screen: Box<DealScreen>,
        from: Option<FromDashboard>,
    },
    /// Importing from a file, over the list.
    Import(Box<ImportDialog>),
    /// Exporting to a file, over the list.
    Export(Box<ExportDialog>),
    /// Snoozing the selected deal, or lifting its snooze, over the list.
    Snooze(Box<SnoozeDialog>),
}

/// The dashboard a deal was opened from, and the deal's version then: when
/// it moved, the metrics are computed again on the way back.
struct FromDashboard {
    screen: Box<DashboardScreen>,
    version: i64,
}

pub struct App {
    ctx: Ctx,
    list: ListScreen,
    view: View,
    help: Option<HelpOverlay>,
    status: Option<Status>,
    area: Rect,
    /// A second Ctrl-C quits even though the text being typed is not kept.
    quit_anyway: bool,
    /// The database's change counter when last read (another process's
    /// write moves it).
    data_version: Option<i64>,
    /// A new-deal form left half-filled, restored by `n` on the list.
    new_deal_draft: Option<Box<DealForm>>,
}

/// The three rows of every screen.
pub fn frame_areas(area: Rect) -> [Rect; 3] {
    Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
    ])
    .areas(area)
}

impl App {
    pub fn new(ctx: Ctx) -> App {
        let mut app = App {
            ctx,
            list: ListScreen::default(),
            view: View::List,
            help: None,
            status: None,
            area: Rect::default(),
            quit_anyway: false,
            data_version: None,
            new_deal_draft: None,
        };
        app.resize(Rect::new(0, 0, 120, 40));
        app
    }

    pub fn ctx(&self) -> &Ctx {
        &self.ctx
    }

    /// Act as `user` from now on (tests; the TUI takes `--user` at start).
    pub fn act_as(&mut self, user: &str) {
        self.ctx.session.set_user(user);
    }

    /// Tell the app the window's size: the list reads just the rows that fit.
    pub fn resize(&mut self, area: Rect) {
        if area == self.area {
            return;
        }
        self.area = area;
        let [_, body, _] = frame_areas(area);
        if let Err(e) = self.list.set_area(body, &self.ctx.session) {
            self.status = Some(Status::error(e.to_string()));
        }
        if let View::Dashboard(d) = &mut self.view
            && let Err(e) = d.set_area(body, &self.ctx.session)
        {
            self.status = Some(Status::error(e.to_string()));
        }
    }

    /// The keymap layers active now, the one that wins first.
    pub fn layers(&self) -> Vec<Layer> {
        if self.help.is_some() {
            return vec![Layer::Help, Layer::Global];
        }
        self.layers_beneath_help()
    }

    fn layers_beneath_help(&self) -> Vec<Layer> {
        let top = match &self.view {
            View::List if self.list.is_filtering() => return vec![Layer::Filter, Layer::Global],
            View::List => Layer::List,
            View::Dashboard(_) => Layer::Dashboard,
            View::NewDeal(_) => return vec![Layer::Form, Layer::Global],
            View::EditDeal { .. } => return vec![Layer::EditDeal, Layer::Global],
            // nothing but quitting while an import or export works
            View::Import(d) => return d.layers().into_iter().chain([Layer::Global]).collect(),
            View::Export(d) => return d.layer().into_iter().chain([Layer::Global]).collect(),
            View::Snooze(d) => return vec![d.layer(), Layer::Global],
            View::Deal(d, _) => match d.typing_layer() {
                Some(layer) => return vec![layer, Layer::Global],
                None => Layer::Deal,
            },
        };
        vec![top, Layer::Normal, Layer::Global]
    }

    pub fn status(&self) -> Option<&Status> {
        self.status.as_ref()
    }

    /// Carry out one action.
    pub fn update(&mut self, action: Action) -> Flow {
        self.status = None;
        if action != Action::ForceQuit {
            self.quit_anyway = false;
        }
        match action {
            Action::ForceQuit => {
                // what is being typed is saved or kept as a draft; if even
                // that fails, stay (once) and say so rather than lose it
                let kept = match &mut self.view {
                    _ if self.quit_anyway => Ok(()),
                    View::Deal(deal, _) => deal.save_before_quit(&mut self.ctx),
                    View::EditDeal { form, .. } => form.save_before_quit(&mut self.ctx),
                    _ => Ok(()),
                };
                if let Err(status) = kept {
                    self.quit_anyway = true;
                    self.status = Some(status);
                    return Flow::Continue;
                }
                return Flow::Quit;
            }
            Action::Quit => return Flow::Quit,
            Action::ToggleHelp if self.help.is_some() => self.help = None,
            Action::ToggleHelp => self.help = Some(HelpOverlay::new(self.layers_beneath_help())),
            _ if self.help.is_some() => {
                if let Some(help) = &mut self.help {
                    help.scroll(action);
                }
            }
            _ => self.update_view(action),
        }
        Flow::Continue
    }

    fn update_view(&mut self, action: Action) {
        match &mut self.view {
            View::List => match self.list.update(action, &mut self.ctx) {
                Ok(ListOutcome::Stay) => {}
                Ok(ListOutcome::Open(id)) => self.open_deal(id),
                Ok(ListOutcome::NewDeal) => {
                    let session = &self.ctx.session;
                    let form = self.new_deal_draft.take().unwrap_or_else(|| {
                        let today = session.clock.today();
                        Box::new(DealForm::new(&session.playbook, today, &session.user))
                    });
                    self.view = View::NewDeal(form);
                }
                Ok(ListOutcome::Dashboard) => self.open_dashboard(),
                Ok(ListOutcome::Import) => self.view = View::Import(Box::default()),
                Ok(ListOutcome::Export) => self.view = View::Export(Box::default()),
                Ok(ListOutcome::Snooze(row)) => {
                    let today = self.ctx.session.clock.today();
                    self.view = View::Snooze(Box::new(SnoozeDialog::new(&row, today)));
                }
                Err(status) => self.status = Some(status),
            },
            View::Snooze(dialog) => match dialog.update(action, &mut self.ctx) {
                SnoozeOutcome::Stay => {}
                SnoozeOutcome::Close => self.view = View::List,
                SnoozeOutcome::Written(status) => {
                    self.view = View::List;
                    self.reload_list();
                    self.status = Some(status);
                }
            },
            View::Dashboard(dashboard) => match dashboard.update(action, &mut self.ctx) {
                Ok(DashboardOutcome::Stay) => {}
                Ok(DashboardOutcome::Back) => {
                    self.view = View::List;
                    self.reload_list();
                }
                Ok(DashboardOutcome::Open(id)) => {
                    let View::Dashboard(screen) = std::mem::replace(&mut self.view, View::List)
                    else {
                        unreachable!("the dashboard is showing")
                    };
                    match DealScreen::open(id, &self.ctx) {
                        Ok(deal) => {
                            let version = deal.deal().version;
                            let back = FromDashboard { screen, version };
                            self.view = View::Deal(Box::new(deal), Some(back));
                        }
                        Err(e) => {
                            self.view = View::Dashboard(screen);
                            self.status = Some(Status::error(e.to_string()));
                        }
                    }
                }
                Err(status) => self.status = Some(status),
            },
            View::Deal(deal, _) => {
                let (outcome, status) = deal.update(action, &mut self.ctx);
                self.status = status;
                match outcome {
                    DealOutcome::Stay => {}
                    DealOutcome::Back => self.back_from_deal(),
                    DealOutcome::EditFields => self.edit_deal(),
                }
            }
            View::EditDeal { form, .. } => match form.update(action, &mut self.ctx) {
                FormOutcome::Stay(status) => self.status = status,
                FormOutcome::Saved(status) => {
                    self.close_edit();
                    self.status = Some(status);
                }
                FormOutcome::Close { .. } | FormOutcome::Created(_) => self.close_edit(),
            },
            View::Import(dialog) => {
                let outcome = dialog.update(action, &mut self.ctx);
                self.dialog_outcome(outcome);
            }
            View::Export(dialog) => {
                let outcome = dialog.update(action, &mut self.ctx);
                self.dialog_outcome(outcome);
            }
            View::NewDeal(form) => match form.update(action, &mut self.ctx) {
                FormOutcome::Stay(status) => self.status = status,
                FormOutcome::Close { keep } => {
                    if let View::NewDeal(form) = std::mem::replace(&mut self.view, View::List) {
                        self.new_deal_draft = keep.then_some(form);
                    }
                }
                FormOutcome::Created(id) => {
                    self.reload_list();
                    self.open_deal(id);
                    self.status = Some(Status::info(format!("Deal {id} created; step 1 is next")));
                }
                FormOutcome::Saved(status) => self.status = Some(status),
            },
        }
    }

    /// Close an import or export dialog when it is done; read the list
    /// again when it wrote something.
    fn dialog_outcome(&mut self, outcome: DialogOutcome) {
        match outcome {
            DialogOutcome::Stay => {}
            DialogOutcome::Close(status) => {
                self.view = View::List;
                self.status = status;
            }
            DialogOutcome::Written(status) => {
                self.view = View::List;
                self.reload_list();
                self.status = Some(status);
            }
        }
    }

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

    /// Leave the deal screen for the dashboard it came from (its metrics
    /// computed again if the deal changed) or the list.
    fn back_from_deal(&mut self) {
        let View::Deal(deal, from) = std::mem::replace(&mut self.view, View::List) else {
            return;
        };
        match from {
            Some(FromDashboard {
                mut screen,
                version,
            }) => {
                let session = &mut self.ctx.session;
                let result = if deal.deal().version == version {
                    screen.reload(session).map_err(|e| e.to_string())
                } else {
                    screen.refresh(session)
                };
                if let Err(e) = result {
                    self.status = Some(Status::error(e));
                }
                self.view = View::Dashboard(screen);
            }
            None => self.reload_list(),
        }
    }

    /// Open the form of the open deal's own fields, filled in with the
    /// deal as the screen holds it (its version is the one checked).
    fn edit_deal(&mut self) {
        let View::Deal(screen, from) = std::mem::replace(&mut self.view, View::List) else {
            return;
        };
        let session = &self.ctx.session;
        let form = DealForm::edit(screen.deal(), &session.playbook, session.clock.today());
        self.view = View::EditDeal {
            form: Box::new(form),
            screen,
            from,
        };
    }

    /// Close the form of the deal's fields: back to its screen, the deal
    /// read again.
    fn close_edit(&mut self) {
        let View::EditDeal {
            mut screen, from, ..
        } = std::mem::replace(&mut self.view, View::List)
        else {
            return;
        };
        screen.reload(&self.ctx);
        self.view = View::Deal(screen, from);
    }

    fn open_dashboard(&mut self) {
        let [_, body, _] = frame_areas(self.area);
        match DashboardScreen::open(body, &mut self.ctx.session) {
            Ok(screen) => self.view = View::Dashboard(Box::new(screen)),
            Err(e) => self.status = Some(Status::error(e)),
        }
    }

    fn reload_list(&mut self) {
        if let Err(e) = self.list.reload(&self.ctx.session) {
            self.status = Some(Status::error(e.to_string()));
        }
    }

    fn open_deal(&mut self, id: crate::domain::DealId) {
        match DealScreen::open(id, &self.ctx) {
            Ok(screen) => self.view = View::Deal(Box::new(screen), None),
            Err(e) => self.status = Some(Status::error(e.to_string())),
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
        loop {
            let size = terminal.size()?;
            self.resize(Rect::new(0, 0, size.width, size.height));
            dirty |= self.health_check();
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
            if super::quit_signal().is_some() {
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

impl Widget for &App {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let theme = &self.ctx.theme;
        if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
            let text = format!(
                "The window is too small: {}×{}. qualify needs at least {MIN_WIDTH}×{MIN_HEIGHT}.",
                area.width, area.height
            );
            Paragraph::new(text)
                .wrap(Wrap { trim: true })
                .render(area, buf);
            return;
        }
        let look = Look {
            playbook: &self.ctx.session.playbook,
            theme,
        };
        // a status longer than the width wraps onto up to three lines
        let status_lines = self.status_lines(usize::from(area.width));
        // with no status and nothing open over it, the deal screen's word
        // goes above its keys
        let foot_lines = match &self.view {
            View::Deal(d, _)
                if status_lines.is_empty() && self.help.is_none() && d.typing_layer().is_none() =>
            {
                d.foot_note(look.playbook)
                    .map(|note| foot_lines(&note, usize::from(area.width)))
                    .unwrap_or_default()
            }
            _ => Vec::new(),
        };
        let [header, body, footer] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Fill(1),
            Constraint::Length((status_lines.len().max(1) + foot_lines.len()) as u16),
        ])
        .areas(area);
        let as_of = if self.ctx.session.clock.is_fixed() {
            format!(
                "  · as of {}",
                self.ctx.session.clock.now().format("%Y-%m-%d %H:%M UTC")
            )
        } else {
            String::new()
        };
        // who is acting: sign-offs are recorded in this name
        let you = format!(
            "you: {} ",
            super::widgets::truncate(&crate::text::clean(&self.ctx.session.user), 24)
        );
        let you_width = unicode_width::UnicodeWidthStr::width(you.as_str());
        let room =
            usize::from(header.width).saturating_sub(1 + as_of.chars().count() + you_width + 1);
        let title = match &self.view {
            View::Deal(d, _) | View::EditDeal { screen: d, .. } => d.header_text(room),
            View::Dashboard(d) => d.header_text(),
            _ => format!("qualify · {}", self.list.summary_text()),
        };
        let spans = vec![
            Span::styled(format!(" {title}"), theme.title),
            Span::styled(as_of, theme.warn),
        ];
        Line::from(spans).render(header, buf);
        Line::styled(you, theme.dim)
            .right_aligned()
            .render(header, buf);
        match &self.view {
            View::List => self.list.render(body, buf, look, &self.ctx.db_label),
            View::Deal(d, _) => d.render(body, buf, look),
            View::Dashboard(d) => d.render(body, buf, look),
            View::NewDeal(form) => {
                self.list.render(body, buf, look, &self.ctx.db_label);
                form.render(body, buf, look);
            }
            View::EditDeal { form, screen, .. } => {
                screen.render(body, buf, look);
                form.render(body, buf, look);
            }
            View::Import(dialog) => {
                self.list.render(body, buf, look, &self.ctx.db_label);
                dialog.render(body, buf, look);
            }
            View::Export(dialog) => {
                self.list.render(body, buf, look, &self.ctx.db_label);
                dialog.render(body, buf, look);
            }
            View::Snooze(dialog) => {
                self.list.render(body, buf, look, &self.ctx.db_label);
                dialog.render(body, buf, look);
            }
        }
        self.render_footer(footer, buf, status_lines, foot_lines);
        if let Some(help) = &self.help {
            help.render(body, buf, theme);
        }
    }
}

/// The most lines the status takes at the foot of the screen.
const STATUS_LINES: usize = 3;

/// The most lines a screen's word takes above its keys.
const FOOT_LINES: usize = 2;

/// A screen's word for the foot, wrapped to `width` (after a one-column
/// margin) on at most [`FOOT_LINES`] lines, the last ending with … if cut.
fn foot_lines(note: &str, width: usize) -> Vec<String> {
    let room = width.saturating_sub(1).max(1);
    let mut lines = super::widgets::wrap(&crate::text::shown(note), room);
    if lines.len() > FOOT_LINES {
        let rest = lines.split_off(FOOT_LINES - 1).join(" ");
        lines.push(super::widgets::truncate(&rest, room));
    }
    lines
}

impl App {
    /// The status word-wrapped to `width` (after a one-column margin), on
    /// at most [`STATUS_LINES`] lines, the last ending with … if cut.
    fn status_lines(&self, width: usize) -> Vec<String> {
        let Some(status) = &self.status else {
            return Vec::new();
        };
        let room = width.saturating_sub(1).max(1);
        let mut lines = super::widgets::wrap(&crate::text::shown(&status.text), room);
        if lines.len() > STATUS_LINES {
            let rest = lines.split_off(STATUS_LINES - 1).join(" ");
            lines.push(super::widgets::truncate(&rest, room));
        }
        lines
    }

    fn render_footer(
        &self,
        area: Rect,
        buf: &mut Buffer,
        status_lines: Vec<String>,
        foot_lines: Vec<String>,
    ) {
        let theme = &self.ctx.theme;
        if let Some(status) = &self.status {
            let style = match status.tone {
                Tone::Info => Style::new(),
                Tone::Warn => theme.warn,
                Tone::Error => theme.error,
            };
            let lines: Vec<Line> = status_lines
                .into_iter()
                .map(|l| Line::styled(format!(" {l}"), style))
                .collect();
            Paragraph::new(lines).render(area, buf);
            return;
        }
        let [note_area, keys_area] = Layout::vertical([
            Constraint::Length(foot_lines.len() as u16),
            Constraint::Fill(1),
        ])
        .areas(area);
        let note: Vec<Line> = foot_lines
            .into_iter()
            .map(|l| Line::styled(format!(" {l}"), theme.warn))
            .collect();
        Paragraph::new(note).render(note_area, buf);
        let area = keys_area;
        // the General hints (help, quit) always show; the screen's fill the rest
        let hints = keymap::hints(&self.layers());
        let size = |b: &&keymap::Binding| b.label.chars().count() + b.desc.chars().count() + 3;
        let (general, screen): (Vec<_>, Vec<_>) =
            hints.iter().partition(|b| b.layer == Layer::Normal);
        let mut room =
            usize::from(area.width).saturating_sub(1 + general.iter().map(size).sum::<usize>());
        let mut spans = vec![Span::raw(" ")];
        let fitting = screen.into_iter().filter(|b| {
            let fits = size(b) <= room;
            if fits {
                room -= size(b);
            }
            fits
        });
        for b in fitting.collect::<Vec<_>>().into_iter().chain(general) {
            spans.push(Span::styled(b.label, theme.key));
            spans.push(Span::styled(format!(" {}  ", b.desc), theme.dim));
        }
        Line::from(spans).render(area, buf);
    }
}
