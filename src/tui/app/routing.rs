//! Routing between the screens: an action goes to the help overlay or to
//! the screen showing, and the outcome a screen returns opens, closes or
//! replaces screens (the list, the dashboard, a deal, the forms and the
//! dialogs over them).

use super::{App, Flow, FromDashboard, View, frame_areas};
use crate::tui::action::Action;
use crate::tui::screens::dashboard::{DashboardOutcome, DashboardScreen};
use crate::tui::screens::deal::{DealOutcome, DealScreen};
use crate::tui::screens::deal_form::{DealForm, FormOutcome};
use crate::tui::screens::list::ListOutcome;
use crate::tui::screens::snooze::{SnoozeDialog, SnoozeOutcome};
use crate::tui::screens::transfer::DialogOutcome;
use crate::tui::shared::Status;
use crate::tui::widgets::help::HelpOverlay;

impl App {
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
        // damage met by any read (a deal's content, the metrics) makes the
        // list read-only under its banner, as damage found by the list does
        if !self.list.shows_damage() && crate::ops::watch::damage(&self.ctx.session).is_some() {
            let status = self.status.take();
            self.reload_list();
            self.status = status.or(self.status.take());
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
                Ok(ListOutcome::SnoozeWarning(row)) => {
                    let today = self.ctx.session.clock.today();
                    if let Some(dialog) = SnoozeDialog::for_warning(&row, today) {
                        self.view = View::Snooze(Box::new(dialog));
                    }
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
    pub(super) fn dialog_outcome(&mut self, outcome: DialogOutcome) {
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

    pub(super) fn reload_list(&mut self) {
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
}
