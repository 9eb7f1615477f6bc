//! What a person asks for. Keys map to these through the keymap; `update`
//! carries them out. Plumbing (ticks, resizes, redraws) is not here.

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
    SelectStep(u8),
    /// Enter in a prompt or form.
    Confirm,
    /// Esc in a prompt or form: leave without saving.
    Cancel,
    /// Ctrl-S: save the field or form being typed.
    Save,
    /// A key typed into the focused text field.
    Type(KeyEvent),
}
