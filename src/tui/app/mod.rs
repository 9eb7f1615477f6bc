//! The app: which screen is showing, the loop, and `update`, the only place
//! that calls the store. Rendering is a pure function of the state.
//!
//! This file holds the app's state (the screen showing, and what is open
//! over it) and the keymap layers it answers to. Its rooms, each above it
//! and never named by it: `routing` (an action to its screen, and a
//! screen's outcome to the next screen) ← `run` (the loop, and what wakes
//! it: keys, the minute, work on another thread, other writers, a signal);
//! `draw` (the header, the screen and the footer).

use super::keymap::Layer;
use super::screens::dashboard::DashboardScreen;
use super::screens::deal::DealScreen;
use super::screens::deal_form::DealForm;
use super::screens::list::ListScreen;
use super::screens::snooze::SnoozeDialog;
use super::screens::transfer::{ExportDialog, ImportDialog};
use super::shared::{Ctx, Status};
use super::widgets::help::HelpOverlay;
use ratatui::layout::{Constraint, Layout, Rect};

mod draw;
mod routing;
mod run;

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

    pub(super) fn layers_beneath_help(&self) -> Vec<Layer> {
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
}
