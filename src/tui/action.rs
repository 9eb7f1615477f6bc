//! What a person asks for. Keys map to these through the keymap; `update`
//! carries them out. Plumbing (ticks, resizes, redraws) is not here.

use crate::domain::step::{NoteKind, StepNumber};
use ratatui::crossterm::event::KeyEvent;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Leave qualify (not while typing).
    Quit,
    /// Leave qualify from anywhere, saving the field being typed.
    ForceQuit,
    ToggleHelp,
    Back,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Open,
    FocusNext,
    FocusPrev,
    NewDeal,
    Filter,
    CycleSort,
    StartStep,
    CompleteStep,
    BlockStep,
    UnblockStep,
    ReopenStep,
    ToggleAction,
    EditNote,
    TogglePanels,
    SelectStep(StepNumber),
    /// Add a row to the step's form.
    AddRow,
    DeleteRow,
    /// Record who confirmed the step's outcome, and when.
    ConfirmWith,
    /// Switch the scorecard between MEDDPICC and MEDDICC.
    ToggleFramework,
    /// The SA approves / sends back the validation plan.
    Approve,
    SendBack,
    EditBattleCard,
    /// ←/→ in a record editor: the next / previous choice.
    PickNext,
    PickPrev,
    /// Ctrl-D in a record editor: leave without saving.
    DropEdit,
    RaiseEscalation,
    AcknowledgeEscalation,
    ResolveEscalation,
    /// The raiser takes an escalation back.
    WithdrawEscalation,
    /// The manager's review or the SA's sign-off.
    RecordReview,
    EditHandoff,
    /// The deal's audit trail.
    ShowHistory,
    /// The selected step's guidance (and battle cards on the competitors'
    /// step).
    ShowGuide,
    /// From the guide: the step's template for this note, put into it.
    InsertTemplate(NoteKind),
    /// The list: all deals, the SA's queue, the manager's queue.
    CycleQueue,
    /// The list's sort, the other way round.
    ReverseSort,
    /// The list narrowed to the acting person's deals (in a queue: those
    /// they sign), or not.
    ToggleMine,
    /// The list with closed deals too, or open deals only.
    ToggleClosed,
    /// Snooze the selected deal's stalled flag, or lift its snooze.
    Snooze,
    /// Snooze one of the selected deal's warnings until a day.
    SnoozeWarning,
    /// The list's filters: forecast category, owner, SA, verdict.
    CycleCategory,
    CycleOwner,
    CycleSa,
    CycleVerdict,
    /// Only stalled deals / only deals with an overdue escalation.
    ToggleStalled,
    ToggleOverdue,
    /// The list narrowed to the deals warned of one kind, the next kind
    /// each time, then none.
    CycleWarning,
    /// Record the deal's outcome (won, lost, disqualified, open).
    RecordOutcome,
    /// Edit the deal's own fields: name, account, amounts, dates, people.
    EditDeal,
    /// The metrics dashboard, from the list.
    ShowDashboard,
    /// Import deals from a file, after a dry run (from the list).
    Import,
    /// In an import of deal documents: overwrite deals changed since they
    /// were exported, or not (`deal import --force`).
    ToggleForce,
    /// Export every deal to a file (from the list).
    Export,
    /// Compute the dashboard's metrics again.
    Refresh,
    /// Enter in a prompt or form.
    Confirm,
    /// Esc in a prompt or form: leave without saving.
    Cancel,
    /// Ctrl-S: save the field or form being typed.
    Save,
    /// A key typed into the focused text field.
    Type(KeyEvent),
}
