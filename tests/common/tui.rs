//! The TUI test harness every screen test uses: a session as "dana" at a
//! fixed clock, the Acme fixture pipeline, an app on it, keys pressed and
//! typed through the keymap of the layers active at that moment (a key that
//! does nothing there fails the test), and the screen drawn into a test
//! backend.

use chrono::{DateTime, Duration, FixedOffset, TimeZone, Utc};
use qualify::Clock;
use qualify::domain::deal::NewDeal;
use qualify::domain::document::parse_documents;
use qualify::domain::money::Money;
use qualify::domain::parse_date;
use qualify::domain::playbook::Playbook;
use qualify::domain::step::{StepChange, StepNumber};
use qualify::ops::{self, Session};
use qualify::store::Store;
use qualify::tui::action::Action;
use qualify::tui::keymap;
use qualify::tui::theme::Theme;
use qualify::tui::{App, Ctx};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;

/// The clock every screen test runs at.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 15, 0, 0).unwrap()
}

/// Step `n`, as a test names it.
pub fn step(n: u8) -> StepNumber {
    StepNumber::new(n).expect("a step number from 1 to 10")
}

/// Where the data is kept, as the screens show it.
pub const DB_LABEL: &str = "/home/dana/.local/share/qualify/qualify.db";

/// A new deal with an SA, a manager and an implementation fee of half the
/// licence.
pub fn deal(name: &str, account: &str, amount: i64, close: &str, owner: &str) -> NewDeal {
    NewDeal {
        name: name.into(),
        account: account.into(),
        amount: Some(Money::from_dollars(amount)),
        implementation_fee: Some(Money::from_dollars(amount / 2)),
        close_date: Some(parse_date(close).unwrap()),
        owner: owner.into(),
        sa: "Sam Architect".into(),
        manager: "Morgan Lead".into(),
        ..Default::default()
    }
}

/// Globex analytics, new: the second deal of every fixture.
pub fn new_globex() -> NewDeal {
    deal(
        "Globex analytics",
        "Globex",
        120_000,
        "2027-02-15",
        "Lee Park",
    )
}

/// Initech payroll, new.
pub fn new_initech() -> NewDeal {
    deal(
        "Initech payroll",
        "Initech",
        480_000,
        "2027-06-30",
        "Dana Reyes",
    )
}

/// The use cases over `store`, as "dana", at [`now`] in UTC.
pub fn session(store: Store) -> Session {
    Session::new(
        store,
        Playbook::default_playbook(),
        Clock::fixed(now()).with_offset(FixedOffset::east_opt(0).unwrap()),
        "dana",
    )
}

/// Acme (the complete fixture document) with steps 1-2 done and step 3
/// blocked for five days, then `others`, new, in a database in memory.
pub fn acme_and(others: Vec<NewDeal>) -> Session {
    let pb = Playbook::default_playbook();
    let mut store = session(Store::open_in_memory().unwrap());
    let start = now() - Duration::days(8);
    let text = include_str!("../fixtures/complete_deal.json");
    let acme = parse_documents(text)
        .unwrap()
        .remove(0)
        .into_deal(&pb, start);
    let acme = store.store_mut().save_deals(&[acme], false, start).unwrap()[0].id;
    ops::add_deals(store.at(start), others).unwrap();
    for n in StepNumber::all().take(2) {
        let at = start + Duration::hours(i64::from(n.get()) * 24);
        ops::change_step(store.at(at), acme, None, n, &StepChange::Start).unwrap();
        ops::change_step(
            store.at(at + Duration::hours(5)),
            acme,
            None,
            n,
            &StepChange::Complete,
        )
        .unwrap();
    }
    let block = StepChange::Block {
        reason: "CFO on leave until the budget cycle opens".into(),
    };
    ops::change_step(
        store.at(now() - Duration::days(5)),
        acme,
        None,
        step(3),
        &block,
    )
    .unwrap();
    store
}

/// What the app works with: `session` at [`now`], drawn with `theme`.
pub fn ctx(mut session: Session, theme: Theme) -> Ctx {
    session.at(now());
    Ctx {
        session,
        theme,
        db_label: DB_LABEL.into(),
    }
}

/// An app on `session` (plain theme) in a window of `width`×`height`.
pub fn app(session: Session, width: u16, height: u16) -> App {
    let mut app = App::new(ctx(session, Theme::plain()));
    app.resize(Rect::new(0, 0, width, height));
    app
}

/// The app drawn into a test backend of `width`×`height`.
pub fn draw(app: &App, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| f.render_widget(app, f.area())).unwrap();
    terminal
}

/// The screen as the snapshots hold it: each line quoted.
pub fn screen(app: &App, width: u16, height: u16) -> String {
    draw(app, width, height).backend().to_string()
}

/// The screen as lines of text.
pub fn lines(app: &App, width: u16, height: u16) -> Vec<String> {
    let terminal = draw(app, width, height);
    let buf = terminal.backend().buffer();
    (0..height)
        .map(|y| (0..width).map(|x| buf[(x, y)].symbol()).collect())
        .collect()
}

/// The screen as plain text, a line per row.
pub fn plain_screen(app: &App, width: u16, height: u16) -> String {
    lines(app, width, height).join("\n")
}

/// A character typed into the focused field, straight to `update`.
pub fn key(c: char) -> Action {
    Action::Type(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

/// Press one key with `modifiers` as a person would: through the keymap of
/// the layers active now. A key that does nothing here fails the test.
pub fn press_with(app: &mut App, code: KeyCode, modifiers: KeyModifiers) {
    let event = KeyEvent::new(code, modifiers);
    let action = keymap::action_for(&app.layers(), &event)
        .unwrap_or_else(|| panic!("{code:?} does nothing in {:?}", app.layers()));
    app.update(action);
}

/// Press one key, without modifiers, through the keymap.
pub fn press(app: &mut App, code: KeyCode) {
    press_with(app, code, KeyModifiers::NONE);
}

/// Type `text` as a person would: each key goes through the keymap of the
/// layers active at that moment, so a field that does not take text fails
/// the test instead of being fed directly.
pub fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        let event = KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
        let action = keymap::action_for(&app.layers(), &event);
        assert_eq!(
            action,
            Some(Action::Type(event)),
            "{c:?} is not typed into a field here"
        );
        app.update(action.unwrap());
    }
}

/// Open the deal the list shows at `row` (0-based, close-date order).
pub fn open_row(app: &mut App, row: usize) {
    for _ in 0..row {
        press(app, KeyCode::Down);
    }
    press(app, KeyCode::Enter);
}
