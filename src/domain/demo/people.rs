//! The people on the buyer's side: the economic buyer, the champion and the
//! others in the buying group, each with a name and a title.

use super::super::choices::Role;
use super::dice::Dice;

const FIRST: [&str; 24] = [
    "Tom", "Priya", "Ken", "Laura", "Miguel", "Grace", "Omar", "Elena", "Raj", "Sofia", "David",
    "Mei", "Jonas", "Fatima", "Lucas", "Nadia", "Chris", "Yuki", "Ben", "Amara", "Pavel", "Claire",
    "Diego", "Ingrid",
];

const LAST: [&str; 24] = [
    "Hale", "Raman", "Ito", "Becker", "Santos", "Kim", "Farouk", "Novak", "Patel", "Rossi",
    "Walsh", "Zhang", "Berg", "Haddad", "Moreau", "Ivanova", "Doyle", "Tanaka", "Cohen", "Eze",
    "Kowalski", "Dubois", "Vargas", "Larsen",
];

/// The people on the buyer's side.
pub(super) struct People {
    pub economic_buyer: (String, &'static str),
    pub champion: (String, &'static str),
    /// The technical buyer first, then whoever else takes part.
    pub others: Vec<(String, &'static str, Role)>,
}

/// A first and a last name.
fn person(d: &mut Dice) -> String {
    format!("{} {}", d.pick(&FIRST), d.pick(&LAST))
}

impl People {
    pub(super) fn new(d: &mut Dice) -> People {
        People {
            economic_buyer: (person(d), *d.pick(&["CFO", "COO", "CIO", "VP Operations"])),
            champion: (
                person(d),
                *d.pick(&[
                    "VP Finance",
                    "Director of IT",
                    "Head of Operations",
                    "Finance Director",
                ]),
            ),
            others: {
                let mut others = vec![(
                    person(d),
                    *d.pick(&["IT Director", "Enterprise Architect", "Head of Security"]),
                    Role::TechnicalBuyer,
                )];
                if d.chance(70) {
                    others.push((person(d), "Procurement Manager", Role::Procurement));
                }
                if d.chance(40) {
                    others.push((person(d), "Corporate Counsel", Role::Legal));
                }
                if d.chance(30) {
                    others.push((person(d), "Finance Systems Lead", Role::Evaluator));
                }
                if d.chance(15) {
                    others.push((person(d), "Controller", Role::Blocker));
                }
                others
            },
        }
    }
}
