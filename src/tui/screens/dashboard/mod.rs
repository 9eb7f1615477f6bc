//! The dashboard: the procedure's five metrics against their targets with
//! their weekly trend, the pipeline's amount per forecast category, and the
//! stalled deals and overdue escalations, each a key away from its deal.
//! The forecast is of open deals; won, lost and disqualified are apart.
//!
//! The metrics walk every deal, so they are computed when the dashboard
//! opens, on `r` and when the data changed, never while drawing, and on
//! another thread with its own connection: the screen keeps answering keys
//! and shows the last figures (none, at first) marked as being computed
//! until the new ones come. The two lists read a page through the list's
//! query.
//!
//! This file holds the screen's state, its keys and the metrics' work;
//! `render` draws it.

mod render;
mod since;
mod warned;

use crate::domain::deal::DealId;
use crate::domain::metrics::{Metrics, Tally};
use crate::ops::{self, Attention, Session};
use crate::ops::{CategoryTotal, OutcomeTotal, StoreError, WarningTotal};
use crate::text::shown;
use crate::tui::action::Action;
use crate::tui::job::Job;
use crate::tui::shared::{Ctx, Status};
use crate::tui::widgets::truncate;
use chrono::{DateTime, Utc};
use ratatui::layout::Rect;
use since::Since;

/// From this width the metrics show as cards, with the charts beside the lists.
const WIDE: u16 = 160;

/// Below 160 columns, the height the lists need for the "since last
/// week" panel to be drawn below them.
const SINCE_FROM: u16 = 14;

/// Which list Enter opens a deal from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Stalled,
    Overdue,
}

pub enum DashboardOutcome {
    Stay,
    Back,
    Open(DealId),
}

pub struct DashboardScreen {
    /// Whose deals: `None` for the team.
    owner: Option<String>,
    metrics: Metrics,
    /// The same metrics week by week, oldest first.
    weeks: Vec<Metrics>,
    /// The metrics being computed, if they are.
    computing: Option<Running>,
    /// Whether `metrics` are figures that came for the owner shown (until
    /// the first come, each metric says it is being computed).
    has_figures: bool,
    /// The open deals per forecast category, and the closed per outcome.
    totals: Vec<CategoryTotal>,
    closed: Vec<OutcomeTotal>,
    /// The open deals and their amount per warning kind.
    warned: Vec<WarningTotal>,
    attention: Attention,
    focus: Pane,
    /// The selected row of each list.
    selected: [usize; 2],
    /// How many rows each list reads (what fits on screen).
    rows: usize,
    /// When the lists were read (the escalations' timers count from it).
    now: DateTime<Utc>,
    /// What changed since last week, computed with the metrics.
    since: Since,
}

/// What computing the metrics gives: the range's and each week's.
type Computed = Result<(Metrics, Vec<Metrics>, Since), String>;

/// Metrics being computed on another thread.
struct Running {
    /// Whose: figures that come for someone no longer shown are dropped.
    owner: Option<String>,
    job: Job<Computed>,
    /// The data changed (or `r`) while they were computed: compute them
    /// again when they come, rather than running two walks at once.
    again: bool,
}

/// The rows each list has room for in a body of `body`'s size.
fn list_rows(body: Rect) -> usize {
    let rows = if body.width >= WIDE {
        // below the cards (9), two stacked lists with borders and a header,
        // and what changed since last week
        body.height.saturating_sub(9 + since::SincePanel::WIDE) / 2
    } else {
        // below the metrics (12) and the forecast (a line, or a chart of 7),
        // and what changed since last week when there is room
        let rest = body.height.saturating_sub(12);
        if rest >= 15 {
            let lists = rest - 7;
            if lists >= SINCE_FROM {
                lists - since::SincePanel::COMPACT
            } else {
                lists
            }
        } else {
            rest - rest.min(1)
        }
    };
    usize::from(rows.saturating_sub(3)).max(1)
}

impl DashboardScreen {
    /// Start computing the metrics and read the lists for the team.
    pub fn open(body: Rect, session: &mut Session) -> Result<DashboardScreen, String> {
        let range = ops::views::metrics_range(session, None, None);
        let mut screen = DashboardScreen {
            owner: None,
            // no figures until the first come
            metrics: Tally::new(range).finish(&session.playbook),
            weeks: Vec::new(),
            computing: None,
            has_figures: false,
            totals: Vec::new(),
            closed: Vec::new(),
            warned: Vec::new(),
            attention: Attention::default(),
            focus: Pane::Stalled,
            selected: [0, 0],
            rows: list_rows(body),
            now: session.clock.now(),
            since: Since::default(),
        };
        screen.refresh(session)?;
        Ok(screen)
    }

    /// Whether the metrics are being computed.
    pub fn is_working(&self) -> bool {
        self.computing.is_some()
    }

    /// Take the metrics if they have come (and start them again if asked
    /// meanwhile); whether the screen changed.
    pub fn poll(&mut self, session: &mut Session) -> Result<bool, String> {
        match self.computing.as_mut().and_then(|r| r.job.poll()) {
            Some(done) => self.computed(done, session).map(|()| true),
            None => Ok(false),
        }
    }

    /// Wait for the metrics being computed, and for those asked for
    /// meanwhile (tests and scripts).
    pub fn wait(&mut self, session: &mut Session) -> Result<(), String> {
        while let Some(done) = self.computing.as_mut().map(|r| r.job.wait()) {
            self.computed(done, session)?;
        }
        Ok(())
    }

    fn computed(
        &mut self,
        done: Result<Computed, String>,
        session: &mut Session,
    ) -> Result<(), String> {
        let Some(running) = self.computing.take() else {
            return Ok(());
        };
        let figures = done.and_then(|computed| computed);
        if running.owner == self.owner {
            let (metrics, weeks, since) = figures?;
            self.metrics = metrics;
            self.weeks = weeks;
            self.since = since;
            self.has_figures = true;
        }
        if running.again || running.owner != self.owner {
            self.start(session)?;
        }
        Ok(())
    }

    /// Start computing the metrics on another thread (on a database in
    /// memory they are computed at once), unless they are being computed:
    /// then they are computed again when those come.
    fn start(&mut self, session: &mut Session) -> Result<(), String> {
        if let Some(running) = &mut self.computing {
            running.again = true;
            return Ok(());
        }
        let range = ops::views::metrics_range(session, None, None);
        let owner = self.owner.clone();
        let job = Job::start(session, move |s, _| {
            let (metrics, weeks) =
                ops::metrics(s, owner.as_deref(), range).map_err(|e| e.to_string())?;
            let since = since::last_week(s, owner.as_deref())?;
            Ok((metrics, weeks, since))
        })?;
        self.computing = Some(Running {
            owner: self.owner.clone(),
            job,
            again: false,
        });
        if ops::watch::file(session).is_none() {
            // computed at once: shown at once
            self.poll(session)?;
        }
        Ok(())
    }

    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    pub fn attention(&self) -> &Attention {
        &self.attention
    }

    pub fn focus(&self) -> Pane {
        self.focus
    }

    /// The header's title.
    pub fn header_text(&self) -> String {
        let computing = if self.computing.is_some() {
            " · computing the metrics…"
        } else {
            ""
        };
        format!("qualify · dashboard · {}{computing}", self.who())
    }

    fn who(&self) -> String {
        self.owner
            .as_deref()
            .map_or("the team".to_string(), |o| truncate(&shown(o), 40))
    }

    /// Compute the metrics again (the last 90 days up to today) and re-read
    /// the lists.
    pub fn refresh(&mut self, session: &mut Session) -> Result<(), String> {
        self.start(session)?;
        self.reload(session).map_err(|e| e.to_string())
    }

    /// Re-read what is cheap: the forecast totals and the two lists (their
    /// flags move with the clock).
    pub fn reload(&mut self, session: &Session) -> Result<(), StoreError> {
        let query = ops::views::forecast_query(session, self.owner.as_deref());
        self.now = session.clock.now();
        self.totals = ops::views::list_totals(session, &query)?;
        self.closed = ops::views::outcome_totals(session, &query)?;
        self.warned = ops::views::warning_totals(session, &query)?;
        self.attention = ops::attention(session, self.owner.as_deref(), self.rows)?;
        self.selected[0] = self.selected[0].min(self.attention.stalled.len().saturating_sub(1));
        self.selected[1] = self.selected[1].min(self.attention.overdue.len().saturating_sub(1));
        if self.len(self.focus) == 0 {
            self.focus = match self.focus {
                Pane::Stalled if !self.attention.overdue.is_empty() => Pane::Overdue,
                Pane::Overdue if !self.attention.stalled.is_empty() => Pane::Stalled,
                same => same,
            };
        }
        Ok(())
    }

    /// The body's size changed: read as many rows as now fit.
    pub fn set_area(&mut self, body: Rect, session: &Session) -> Result<(), StoreError> {
        let rows = list_rows(body);
        if rows == self.rows {
            return Ok(());
        }
        self.rows = rows;
        self.reload(session)
    }

    fn len(&self, pane: Pane) -> usize {
        match pane {
            Pane::Stalled => self.attention.stalled.len(),
            Pane::Overdue => self.attention.overdue.len(),
        }
    }

    fn index(pane: Pane) -> usize {
        match pane {
            Pane::Stalled => 0,
            Pane::Overdue => 1,
        }
    }

    /// The deal of the selected row in the focused list.
    pub fn selected_deal(&self) -> Option<DealId> {
        let i = self.selected[Self::index(self.focus)];
        match self.focus {
            Pane::Stalled => self.attention.stalled.get(i).map(|s| s.deal.id),
            Pane::Overdue => self.attention.overdue.get(i).map(|o| o.deal.id),
        }
    }

    pub fn update(&mut self, action: Action, ctx: &mut Ctx) -> Result<DashboardOutcome, Status> {
        let session = &mut ctx.session;
        let pane = Self::index(self.focus);
        let len = self.len(self.focus);
        let result = match action {
            Action::Down => {
                self.selected[pane] = (self.selected[pane] + 1).min(len.saturating_sub(1));
                Ok(())
            }
            Action::Up => {
                self.selected[pane] = self.selected[pane].saturating_sub(1);
                Ok(())
            }
            Action::FocusNext | Action::FocusPrev => {
                self.focus = match self.focus {
                    Pane::Stalled => Pane::Overdue,
                    Pane::Overdue => Pane::Stalled,
                };
                Ok(())
            }
            Action::Open => {
                return Ok(self
                    .selected_deal()
                    .map_or(DashboardOutcome::Stay, DashboardOutcome::Open));
            }
            Action::Refresh => self.refresh(session).map_err(Status::error),
            Action::CycleOwner => match ops::views::people(session, false) {
                Ok(people) => {
                    self.owner = match &self.owner {
                        None => people.first().cloned(),
                        Some(o) => people
                            .iter()
                            .position(|p| p == o)
                            .and_then(|i| people.get(i + 1))
                            .cloned(),
                    };
                    // the figures shown were someone else's
                    let range = ops::views::metrics_range(session, None, None);
                    self.metrics = Tally::new(range).finish(&session.playbook);
                    self.weeks.clear();
                    self.has_figures = false;
                    self.selected = [0, 0];
                    self.refresh(session).map_err(Status::error)
                }
                Err(e) => Err(Status::error(e.to_string())),
            },
            Action::Back => return Ok(DashboardOutcome::Back),
            _ => Ok(()),
        };
        result.map(|()| DashboardOutcome::Stay)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::playbook::Playbook;
    use crate::store::Store;
    use crate::tui::job::Report;
    use crate::tui::theme::Theme;

    /// Metrics computed for `owner` by a worker the test speaks for.
    fn running(owner: Option<&str>) -> (std::sync::mpsc::Sender<Report<Computed>>, Running) {
        let (tx, rx) = std::sync::mpsc::channel();
        let job = Job {
            rx,
            progress: Default::default(),
        };
        let owner = owner.map(String::from);
        (
            tx,
            Running {
                owner,
                job,
                again: false,
            },
        )
    }

    /// While the metrics are being computed the header says so and the
    /// figures are the last ones; when they come they are shown and the
    /// header no longer says it.
    #[test]
    fn the_header_says_the_metrics_are_being_computed_until_they_come() {
        let now = chrono::Utc::now();
        let mut session = Session::new(
            Store::open_in_memory().unwrap(),
            Playbook::default_playbook(),
            crate::Clock::fixed(now),
            "dana",
        );
        let mut screen = DashboardScreen::open(Rect::new(0, 0, 120, 40), &mut session).unwrap();
        assert!(!screen.is_working(), "in memory: at once");
        assert!(!screen.header_text().contains("computing"));
        let (tx, job) = running(None);
        screen.computing = Some(job);
        assert!(screen.is_working());
        assert!(screen.header_text().ends_with("· computing the metrics…"));
        assert_eq!(screen.poll(&mut session), Ok(false), "nothing yet");
        let range = ops::views::metrics_range(&session, None, None);
        let mut new = Tally::new(range).finish(&session.playbook);
        new.qualification_accuracy.count = 7;
        let weeks = vec![new.clone(); 3];
        tx.send(Report::Done(Ok((new.clone(), weeks, Since::default()))))
            .unwrap();
        assert_eq!(screen.poll(&mut session), Ok(true));
        assert!(!screen.is_working());
        assert!(!screen.header_text().contains("computing"));
        assert_eq!(screen.metrics().qualification_accuracy.count, 7);
        assert_eq!(screen.weeks.len(), 3);
        // a worker gone without a word is said, and the figures stay
        let (tx, job) = running(None);
        screen.computing = Some(job);
        drop(tx);
        assert!(screen.poll(&mut session).is_err());
        assert!(!screen.is_working());
        assert_eq!(screen.metrics().qualification_accuracy.count, 7);
    }

    /// Asked again while they are being computed, the metrics are computed
    /// once more when those come, not twice at once; figures computed for
    /// someone no longer shown are dropped.
    #[test]
    fn a_second_ask_waits_for_the_first_and_another_owners_figures_are_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let mut session = Session::new(
            Store::open(&dir.path().join("qualify.db")).unwrap(),
            Playbook::default_playbook(),
            crate::Clock::fixed(chrono::Utc::now()),
            "dana",
        );
        let mut screen = DashboardScreen::open(Rect::new(0, 0, 120, 40), &mut session).unwrap();
        // on a file nothing has come yet: each metric says so
        let theme = Theme::plain();
        let value = |screen: &DashboardScreen| {
            let metric = screen.metrics().qualification_accuracy.clone();
            screen.shown(&metric, &theme).0
        };
        assert!(screen.is_working());
        assert_eq!(value(&screen), "computing…");
        screen.wait(&mut session).unwrap();
        assert_eq!(value(&screen), "no data", "figures over no deals");
        let range = ops::views::metrics_range(&session, None, None);
        let mut figures = Tally::new(range).finish(&session.playbook);
        figures.qualification_accuracy.count = 9;
        // asked again while running: marked, not started twice
        let (tx, first) = running(None);
        screen.computing = Some(first);
        screen.refresh(&mut session).unwrap();
        assert!(screen.computing.as_ref().is_some_and(|r| r.again));
        tx.send(Report::Done(Ok((
            figures.clone(),
            vec![],
            Since::default(),
        ))))
        .unwrap();
        assert_eq!(screen.poll(&mut session), Ok(true));
        assert_eq!(screen.metrics().qualification_accuracy.count, 9, "shown");
        assert!(
            screen.computing.as_ref().is_some_and(|r| !r.again),
            "started again"
        );
        screen.wait(&mut session).unwrap();
        assert_eq!(screen.metrics().qualification_accuracy.count, 0, "no deals");
        // figures for an owner no longer shown are dropped, and the shown
        // owner's are computed
        let (tx, theirs) = running(Some("Kim"));
        screen.computing = Some(theirs);
        tx.send(Report::Done(Ok((figures, vec![], Since::default()))))
            .unwrap();
        assert_eq!(screen.poll(&mut session), Ok(true));
        assert_eq!(
            screen.metrics().qualification_accuracy.count,
            0,
            "not Kim's"
        );
        assert!(screen.computing.as_ref().is_some_and(|r| r.owner.is_none()));
        screen.wait(&mut session).unwrap();
        assert!(!screen.is_working());
    }
}
