//! Key bindings as data. The dispatcher, the footer hints and the help
//! overlay all read this one table, so they cannot drift apart.

use super::action::Action;
use crate::domain::step::{NoteKind, StepNumber};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// A group of bindings that is active in some states of the app. Earlier
/// layers in the active list win.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    /// Always active, even while typing.
    Global,
    /// Active whenever nothing is being typed.
    Normal,
    List,
    Filter,
    Dashboard,
    Deal,
    Editor,
    Record,
    Prompt,
    Form,
    /// The deal's own fields, from the deal screen.
    EditDeal,
    Help,
    History,
    /// A yes/no question.
    Confirm,
    /// Choosing an export's format and file.
    Export,
    /// The dry run of an import that may overwrite deals changed since
    /// their export (deal documents, qualify's own Salesforce rows), over
    /// its yes/no.
    ImportDocuments,
    /// Snoozing a deal's stalled flag: until a day, and why.
    Snooze,
    /// The selected step's guidance, over the deal screen.
    Guide,
}

impl Layer {
    pub fn title(self) -> &'static str {
        match self {
            Layer::Global => "Anywhere",
            Layer::Normal => "General",
            Layer::List => "Deal list",
            Layer::Filter => "Filtering the list",
            Layer::Dashboard => "Dashboard",
            Layer::Deal => "Deal screen",
            Layer::Editor => "Editing a note",
            Layer::Record => "Editing a row of a step's form",
            Layer::Prompt => "Answering a prompt",
            Layer::Form => "New deal form",
            Layer::EditDeal => "Editing the deal's own fields",
            Layer::Help => "Help",
            Layer::History => "History",
            Layer::Confirm => "Answering a question",
            Layer::Export => "Exporting",
            Layer::ImportDocuments => "Importing over later changes",
            Layer::Snooze => "Snoozing a deal",
            Layer::Guide => "Step guidance",
        }
    }

    /// Layers in which unbound keys are typed into a text field.
    pub fn takes_text(self) -> bool {
        matches!(
            self,
            Layer::Filter
                | Layer::Editor
                | Layer::Record
                | Layer::Prompt
                | Layer::Form
                | Layer::EditDeal
                | Layer::Export
                | Layer::Snooze
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
}

const fn k(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        ctrl: false,
    }
}

const fn ctrl(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        ctrl: true,
    }
}

const fn code(code: KeyCode) -> Key {
    Key { code, ctrl: false }
}

impl Key {
    fn matches(&self, event: &KeyEvent) -> bool {
        let ctrl = event.modifiers.contains(KeyModifiers::CONTROL);
        let code = match event.code {
            KeyCode::Char(c) if ctrl => KeyCode::Char(c.to_ascii_lowercase()),
            other => other,
        };
        self.code == code && self.ctrl == ctrl && !event.modifiers.contains(KeyModifiers::ALT)
    }
}

pub struct Binding {
    pub layer: Layer,
    pub keys: &'static [Key],
    /// How the keys are written in help and hints.
    pub label: &'static str,
    pub action: Action,
    pub desc: &'static str,
    /// Shown in the footer.
    pub hint: bool,
}

const fn bind(
    layer: Layer,
    keys: &'static [Key],
    label: &'static str,
    action: Action,
    desc: &'static str,
    hint: bool,
) -> Binding {
    Binding {
        layer,
        keys,
        label,
        action,
        desc,
        hint,
    }
}

/// A digit key's step (`0` is step 10): read once here, from the table.
const fn step(n: u8) -> Action {
    match StepNumber::new(n) {
        Some(n) => Action::SelectStep(n),
        None => panic!("the digit keys name steps 1 to 10"),
    }
}

use KeyCode::{BackTab, Down, End, Enter, Esc, F, Home, Left, PageDown, PageUp, Right, Tab, Up};
use Layer::*;

#[rustfmt::skip]
pub const BINDINGS: &[Binding] = &[
    bind(Global, &[ctrl('c')], "Ctrl-C", Action::ForceQuit, "quit (what is being typed is saved, or kept as a draft)", false),
    bind(Global, &[code(F(1))], "F1", Action::ToggleHelp, "help for what you are doing, even while typing", false),
    bind(Help, &[k('?'), code(Esc), k('q')], "?/Esc", Action::ToggleHelp, "close help", true),
    bind(Help, &[k('j'), code(Down)], "j/↓", Action::Down, "scroll down", false),
    bind(Help, &[k('k'), code(Up)], "k/↑", Action::Up, "scroll up", false),
    bind(History, &[code(Esc), k('H'), k('q')], "Esc/H", Action::Back, "close the history", true),
    bind(History, &[k('j'), code(Down)], "j/↓", Action::Down, "scroll down", true),
    bind(History, &[k('k'), code(Up)], "k/↑", Action::Up, "scroll up", false),
    bind(History, &[code(PageDown), ctrl('d')], "PgDn", Action::PageDown, "page down", false),
    bind(History, &[code(PageUp), ctrl('u')], "PgUp", Action::PageUp, "page up", false),
    bind(History, &[k('g'), code(Home)], "g/Home", Action::Top, "newest change", false),
    bind(History, &[k('G'), code(End)], "G/End", Action::Bottom, "oldest change", true),
    bind(Guide, &[code(Esc), k('g'), k('q')], "Esc/g", Action::Back, "close the guidance", true),
    bind(Guide, &[k('j'), code(Down)], "j/↓", Action::Down, "scroll down", false),
    bind(Guide, &[k('k'), code(Up)], "k/↑", Action::Up, "scroll up", false),
    bind(Guide, &[code(PageDown), ctrl('d')], "PgDn", Action::PageDown, "page down", false),
    bind(Guide, &[code(PageUp), ctrl('u')], "PgUp", Action::PageUp, "page up", false),
    bind(Guide, &[k('o')], "o", Action::InsertTemplate(NoteKind::Outcomes), "template into outcomes", true),
    bind(Guide, &[k('d')], "d", Action::InsertTemplate(NoteKind::Decisions), "template into decisions", true),
    bind(Guide, &[k('n')], "n", Action::InsertTemplate(NoteKind::NextSteps), "template into next steps", true),
    // the deal list
    bind(List, &[k('j'), code(Down)], "j/↓", Action::Down, "next deal", false),
    bind(List, &[k('k'), code(Up)], "k/↑", Action::Up, "previous deal", false),
    bind(List, &[code(PageDown), ctrl('d')], "PgDn", Action::PageDown, "page down", false),
    bind(List, &[code(PageUp), ctrl('u')], "PgUp", Action::PageUp, "page up", false),
    bind(List, &[k('g'), code(Home)], "g/Home", Action::Top, "first deal", false),
    bind(List, &[k('G'), code(End)], "G/End", Action::Bottom, "last deal", false),
    bind(List, &[code(Enter)], "Enter", Action::Open, "open deal", true),
    bind(List, &[k('n')], "n", Action::NewDeal, "new deal", true),
    bind(List, &[k('/')], "/", Action::Filter, "filter", true),
    bind(List, &[k('s')], "s", Action::CycleSort, "sort", true),
    bind(List, &[k('S')], "S", Action::ReverseSort, "reverse the sort", false),
    bind(List, &[k('v')], "v", Action::CycleQueue, "review queue: all, SA sign-off, manager review", true),
    bind(List, &[k('m')], "m", Action::ToggleMine, "only mine: the deals you sign in a queue, else the deals you are on", false),
    bind(List, &[k('C')], "C", Action::ToggleClosed, "closed deals too (won, lost, disqualified)", false),
    bind(List, &[k('c')], "c", Action::CycleCategory, "filter by forecast category", false),
    bind(List, &[k('o')], "o", Action::CycleOwner, "filter by owner", false),
    bind(List, &[k('a')], "a", Action::CycleSa, "filter by SA", false),
    bind(List, &[k('V')], "V", Action::CycleVerdict, "filter by verdict", false),
    bind(List, &[k('t')], "t", Action::ToggleStalled, "only stalled deals", false),
    bind(List, &[k('O')], "O", Action::ToggleOverdue, "only deals with an overdue escalation", false),
    bind(List, &[k('w')], "w", Action::CycleWarning, "filter by warning: each kind in turn, then none", false),
    bind(List, &[k('d')], "d", Action::ShowDashboard, "dashboard", true),
    bind(List, &[k('i')], "i", Action::Import, "import deals from a file (shows what it holds first)", false),
    bind(List, &[k('x')], "x", Action::Export, "export every deal to a file", false),
    bind(List, &[k('z')], "z", Action::Snooze, "snooze the deal's stalled flag, or lift its snooze", false),
    bind(List, &[k('Z')], "Z", Action::SnoozeWarning, "snooze one of the deal's warnings until a day", false),
    bind(List, &[code(Esc)], "Esc", Action::Back, "clear every filter, queue and mine; open deals only", false),
    bind(Filter, &[code(Enter)], "Enter", Action::Confirm, "keep filter", true),
    bind(Filter, &[code(Esc)], "Esc", Action::Cancel, "clear filter", true),
    bind(Filter, &[code(Down)], "↓", Action::Down, "next deal", false),
    bind(Filter, &[code(Up)], "↑", Action::Up, "previous deal", false),
    // the dashboard
    bind(Dashboard, &[k('j'), code(Down)], "j/↓", Action::Down, "next deal in the list", false),
    bind(Dashboard, &[k('k'), code(Up)], "k/↑", Action::Up, "previous deal in the list", false),
    bind(Dashboard, &[code(Tab), code(BackTab)], "Tab", Action::FocusNext, "stalled deals / overdue escalations", true),
    bind(Dashboard, &[code(Enter)], "Enter", Action::Open, "open the deal", true),
    bind(Dashboard, &[k('r')], "r", Action::Refresh, "compute the metrics again", true),
    bind(Dashboard, &[k('o')], "o", Action::CycleOwner, "one owner's metrics, the next, the team", true),
    bind(Dashboard, &[code(Esc), k('d')], "Esc/d", Action::Back, "back to the list", true),
    // the deal screen
    bind(Deal, &[k('j'), code(Down)], "j/↓", Action::Down, "next step / row / item", false),
    bind(Deal, &[k('k'), code(Up)], "k/↑", Action::Up, "previous step / row / item", false),
    bind(Deal, &[code(Tab)], "Tab", Action::FocusNext, "next pane (steps, form, actions, notes)", true),
    bind(Deal, &[code(BackTab)], "S-Tab", Action::FocusPrev, "previous pane", false),
    bind(Deal, &[code(Enter)], "Enter", Action::Open, "open pane / edit row / tick / edit note", false),
    bind(Deal, &[k('e')], "e", Action::EditNote, "edit the row or note", true),
    bind(Deal, &[k('a')], "a", Action::AddRow, "add a row to the step's form", true),
    bind(Deal, &[k('D')], "D", Action::DeleteRow, "delete the selected row", false),
    bind(Deal, &[k('f')], "f", Action::ConfirmWith, "confirmed with: pick the stakeholder (dated today)", false),
    bind(Deal, &[k(' ')], "Space", Action::ToggleAction, "tick action", false),
    bind(Deal, &[k('s')], "s", Action::StartStep, "start step", false),
    bind(Deal, &[k('c')], "c", Action::CompleteStep, "complete step", true),
    bind(Deal, &[k('b')], "b", Action::BlockStep, "block step", false),
    bind(Deal, &[k('u')], "u", Action::UnblockStep, "unblock step", false),
    bind(Deal, &[k('r')], "r", Action::ReopenStep, "reopen step", false),
    bind(Deal, &[k('m')], "m", Action::ToggleFramework, "MEDDPICC / MEDDICC (step 1)", false),
    bind(Deal, &[k('A')], "A", Action::Approve, "SA approves the plan (step 4)", false),
    bind(Deal, &[k('R')], "R", Action::SendBack, "SA sends the plan back (step 4)", false),
    bind(Deal, &[k('B')], "B", Action::EditBattleCard, "edit the competitor's battle card (step 5)", false),
    bind(Deal, &[k('p')], "p", Action::TogglePanels, "QA / escalations (narrow window)", false),
    bind(Deal, &[k('!')], "!", Action::RaiseEscalation, "raise an escalation", false),
    bind(Deal, &[k('K')], "K", Action::AcknowledgeEscalation, "acknowledge an escalation", false),
    bind(Deal, &[k('X')], "X", Action::ResolveEscalation, "resolve an escalation", false),
    bind(Deal, &[k('w')], "w", Action::WithdrawEscalation, "withdraw an escalation you raised", false),
    bind(Deal, &[k('V')], "V", Action::RecordReview, "record a review (manager or SA)", false),
    bind(Deal, &[k('O')], "O", Action::EditHandoff, "handoff to implementation", false),
    bind(Deal, &[k('H')], "H", Action::ShowHistory, "history of the deal", false),
    bind(Deal, &[k('g')], "g", Action::ShowGuide, "the step's guidance and note templates (battle cards on step 5)", true),
    bind(Deal, &[k('W')], "W", Action::RecordOutcome, "record the outcome: won, lost, disqualified or open", false),
    bind(Deal, &[k('E')], "E", Action::EditDeal, "edit the deal's own fields: name, account, amounts, dates, people", false),
    bind(Deal, &[k('1')], "1-9, 0", step(1), "go to step 1-10", false),
    bind(Deal, &[k('2')], "", step(2), "", false),
    bind(Deal, &[k('3')], "", step(3), "", false),
    bind(Deal, &[k('4')], "", step(4), "", false),
    bind(Deal, &[k('5')], "", step(5), "", false),
    bind(Deal, &[k('6')], "", step(6), "", false),
    bind(Deal, &[k('7')], "", step(7), "", false),
    bind(Deal, &[k('8')], "", step(8), "", false),
    bind(Deal, &[k('9')], "", step(9), "", false),
    bind(Deal, &[k('0')], "", step(10), "", false),
    bind(Deal, &[code(Esc)], "Esc", Action::Back, "back to the list", true),
    // typing
    bind(Editor, &[code(Esc)], "Esc", Action::Confirm, "save note and leave", true),
    bind(Editor, &[ctrl('s')], "Ctrl-S", Action::Save, "save note, keep editing", true),
    bind(Editor, &[ctrl('d')], "Ctrl-D", Action::DropEdit, "leave without saving", true),
    bind(Record, &[code(Tab), code(Down)], "Tab/↓", Action::FocusNext, "next field", true),
    bind(Record, &[code(BackTab), code(Up)], "S-Tab/↑", Action::FocusPrev, "previous field", false),
    bind(Record, &[code(Right)], "→", Action::PickNext, "next choice", false),
    bind(Record, &[code(Left)], "←", Action::PickPrev, "previous choice", false),
    bind(Record, &[code(Enter)], "Enter", Action::Confirm, "next field / save on the last", false),
    bind(Record, &[ctrl('s')], "Ctrl-S", Action::Save, "save", true),
    bind(Record, &[code(Esc)], "Esc", Action::Cancel, "save and leave (stays if a field is wrong)", true),
    bind(Record, &[ctrl('d')], "Ctrl-D", Action::DropEdit, "leave without saving", true),
    bind(Confirm, &[k('y'), code(Enter)], "y/Enter", Action::Confirm, "yes", true),
    bind(Confirm, &[k('n'), code(Esc)], "n/Esc", Action::Cancel, "no", true),
    bind(Prompt, &[code(Enter)], "Enter", Action::Confirm, "confirm", true),
    bind(Prompt, &[code(Esc)], "Esc", Action::Cancel, "cancel", true),
    bind(Export, &[code(Tab), code(Down)], "Tab/↓", Action::FocusNext, "next format", true),
    bind(Export, &[code(BackTab), code(Up)], "S-Tab/↑", Action::FocusPrev, "previous format", false),
    bind(Export, &[code(Enter)], "Enter", Action::Confirm, "export to the file", true),
    bind(Export, &[code(Esc)], "Esc", Action::Cancel, "cancel", true),
    bind(Snooze, &[code(Tab), code(Down)], "Tab/↓", Action::FocusNext, "next field", true),
    bind(Snooze, &[code(BackTab), code(Up)], "S-Tab/↑", Action::FocusPrev, "previous field", false),
    bind(Snooze, &[code(Enter)], "Enter", Action::Confirm, "next field / snooze on the last", true),
    bind(Snooze, &[code(Esc)], "Esc", Action::Cancel, "cancel", true),
    bind(ImportDocuments, &[k('f')], "f", Action::ToggleForce, "overwrite deals changed since export (--force)", true),
    bind(Form, &[code(Tab), code(Down)], "Tab/↓", Action::FocusNext, "next field", true),
    bind(Form, &[code(BackTab), code(Up)], "S-Tab/↑", Action::FocusPrev, "previous field", false),
    bind(Form, &[code(Enter)], "Enter", Action::Confirm, "next field / create on the last", false),
    bind(Form, &[ctrl('s')], "Ctrl-S", Action::Save, "create deal", true),
    bind(Form, &[code(Esc)], "Esc", Action::Cancel, "close (keeps the draft)", true),
    bind(EditDeal, &[code(Tab), code(Down)], "Tab/↓", Action::FocusNext, "next field", true),
    bind(EditDeal, &[code(BackTab), code(Up)], "S-Tab/↑", Action::FocusPrev, "previous field", false),
    bind(EditDeal, &[code(Enter), ctrl('s')], "Enter/Ctrl-S", Action::Save, "save what you changed", true),
    bind(EditDeal, &[code(Esc)], "Esc", Action::Cancel, "cancel (nothing is saved)", true),
    // anywhere nothing is typed
    bind(Normal, &[k('?')], "?", Action::ToggleHelp, "help", true),
    bind(Normal, &[k('q')], "q", Action::Quit, "quit", true),
];

/// A mark a screen draws, and what it means: the help shows a layer's
/// marks under its keys, and the README lists them (a test checks).
pub struct Mark {
    pub layer: Layer,
    pub symbol: &'static str,
    pub meaning: &'static str,
}

/// The deal list's marks: a deal won, lost, stalled, snoozed (the Flag
/// column), a blocked step and overdue escalations.
pub const WON: Mark = Mark {
    layer: List,
    symbol: "✓",
    meaning: "won",
};
pub const LOST: Mark = Mark {
    layer: List,
    symbol: "✗",
    meaning: "lost or disqualified",
};
pub const STALLED: Mark = Mark {
    layer: List,
    symbol: "⚑",
    meaning: "stalled: no change for the playbook's days, or a step past its SLA (z snoozes it)",
};
pub const SNOOZED: Mark = Mark {
    layer: List,
    symbol: "☾",
    meaning: "snoozed: the stalled flag is silenced until a day (z lifts it)",
};
pub const BLOCKED: Mark = Mark {
    layer: List,
    symbol: "⊘",
    meaning: "after Steps: a step is blocked",
};
pub const OVERDUE: Mark = Mark {
    layer: List,
    symbol: "!",
    meaning: "after Esc (open/overdue escalations): some are past due",
};

/// Every mark, for the help and the README.
pub const MARKS: &[Mark] = &[WON, LOST, STALLED, SNOOZED, BLOCKED, OVERDUE];

/// The title of the section of `layer`'s marks in the help.
pub fn marks_title(layer: Layer) -> String {
    format!("Marks in the {}", layer.title().to_lowercase())
}

/// The action bound to `key` in the first of `layers` that binds it, or the
/// key itself as typing when the top layer takes text.
pub fn action_for(layers: &[Layer], key: &KeyEvent) -> Option<Action> {
    for layer in layers {
        if let Some(b) = BINDINGS
            .iter()
            .find(|b| b.layer == *layer && b.keys.iter().any(|k| k.matches(key)))
        {
            return Some(b.action);
        }
    }
    let typing = layers.first().is_some_and(|l| l.takes_text());
    typing.then_some(Action::Type(*key))
}

/// How the first key bound to `action` in `layer` is written, if any.
pub fn label_of(layer: Layer, action: Action) -> Option<&'static str> {
    BINDINGS
        .iter()
        .find(|b| b.layer == layer && b.action == action)
        .map(|b| b.label)
}

/// The footer's hints for the active layers, in table order.
pub fn hints(layers: &[Layer]) -> Vec<&'static Binding> {
    layers
        .iter()
        .flat_map(|l| BINDINGS.iter().filter(move |b| b.layer == *l && b.hint))
        .collect()
}

/// The help overlay's sections: each active layer's documented bindings,
/// then the marks it draws, if any.
pub fn help_sections(layers: &[Layer]) -> Vec<(String, Vec<(&'static str, &'static str)>)> {
    layers
        .iter()
        .flat_map(|l| {
            let keys = BINDINGS
                .iter()
                .filter(|b| b.layer == *l && !b.desc.is_empty())
                .map(|b| (b.label, b.desc))
                .collect();
            let marks = MARKS
                .iter()
                .filter(|m| m.layer == *l)
                .map(|m| (m.symbol, m.meaning))
                .collect();
            [(l.title().to_string(), keys), (marks_title(*l), marks)]
        })
        .filter(|(_, rows): &(_, Vec<_>)| !rows.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::crossterm::event::KeyEventKind;

    fn key(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent {
            code,
            modifiers,
            kind: KeyEventKind::Press,
            state: ratatui::crossterm::event::KeyEventState::NONE,
        }
    }

    #[test]
    fn q_quits_unless_typing() {
        let q = key(KeyCode::Char('q'), KeyModifiers::NONE);
        assert_eq!(action_for(&[List, Normal, Global], &q), Some(Action::Quit));
        assert_eq!(action_for(&[Editor, Global], &q), Some(Action::Type(q)));
        assert_eq!(action_for(&[Filter, Global], &q), Some(Action::Type(q)));
    }

    #[test]
    fn every_typing_layer_takes_plain_keys_as_text() {
        let x = key(KeyCode::Char('x'), KeyModifiers::NONE);
        for layer in [
            Filter, Editor, Record, Prompt, Form, EditDeal, Export, Snooze,
        ] {
            assert_eq!(
                action_for(&[layer, Global], &x),
                Some(Action::Type(x)),
                "{layer:?}"
            );
        }
    }

    #[test]
    fn ctrl_c_quits_everywhere() {
        let c = key(KeyCode::Char('c'), KeyModifiers::CONTROL);
        for layers in [
            &[List, Normal, Global][..],
            &[Editor, Global],
            &[Form, Global],
            &[Help, Global],
        ] {
            assert_eq!(
                action_for(layers, &c),
                Some(Action::ForceQuit),
                "{layers:?}"
            );
        }
    }

    #[test]
    fn shifted_characters_match_their_binding() {
        let help = key(KeyCode::Char('?'), KeyModifiers::SHIFT);
        assert_eq!(
            action_for(&[Deal, Normal, Global], &help),
            Some(Action::ToggleHelp)
        );
        let bottom = key(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(
            action_for(&[List, Normal, Global], &bottom),
            Some(Action::Bottom)
        );
    }

    #[test]
    fn unbound_keys_outside_text_do_nothing() {
        let z = key(KeyCode::Char('Y'), KeyModifiers::NONE);
        assert_eq!(action_for(&[List, Normal, Global], &z), None);
    }

    #[test]
    fn no_key_is_bound_twice_in_one_layer() {
        for (i, a) in BINDINGS.iter().enumerate() {
            for b in &BINDINGS[i + 1..] {
                if a.layer == b.layer {
                    for key in a.keys {
                        assert!(
                            !b.keys.contains(key),
                            "{:?} bound twice in {:?}",
                            key,
                            a.layer
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn hints_and_help_come_from_the_table() {
        let hints: Vec<_> = hints(&[List, Normal, Global])
            .iter()
            .map(|b| (b.label, b.desc))
            .collect();
        assert!(hints.contains(&("n", "new deal")));
        assert!(hints.contains(&("q", "quit")));
        let help = help_sections(&[Deal, Normal, Global]);
        let titles: Vec<_> = help.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(titles, ["Deal screen", "General", "Anywhere"]);
        assert!(help[0].1.contains(&("c", "complete step")));
    }
}

#[cfg(test)]
mod readme {
    use super::BINDINGS;

    /// The README's key table lists every documented binding, as the help does.
    #[test]
    fn the_readme_lists_every_key() {
        let readme = include_str!("../../README.md");
        for b in BINDINGS.iter().filter(|b| !b.desc.is_empty()) {
            let row = format!("| {} | {} | {} |", b.layer.title(), b.label, b.desc);
            assert!(readme.contains(&row), "README.md lacks the row: {row}");
        }
    }

    /// The README's legend lists every mark, as the help does.
    #[test]
    fn the_readme_lists_every_mark() {
        let readme = include_str!("../../README.md");
        for m in super::MARKS {
            let row = format!("| {} | `{}` | {} |", m.layer.title(), m.symbol, m.meaning);
            assert!(readme.contains(&row), "README.md lacks the row: {row}");
        }
    }
}
