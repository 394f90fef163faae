//! Where a campaign stands: completeness per organisation, lateness, which
//! notices are due on a given day, and the e-mail digest gathering a
//! recipient's notices into one message.

use std::collections::BTreeMap;

use serde::Serialize;
use time::Date;

use super::ItemStatus;

/// Item counts of one organisation (or of a whole campaign).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Completeness {
    pub expected: usize,
    pub not_started: usize,
    pub draft: usize,
    pub submitted: usize,
    pub returned: usize,
    pub accepted: usize,
}

impl Completeness {
    pub fn add(&mut self, status: ItemStatus) {
        self.expected += 1;
        match status {
            ItemStatus::NotStarted => self.not_started += 1,
            ItemStatus::Draft => self.draft += 1,
            ItemStatus::Submitted => self.submitted += 1,
            ItemStatus::Returned => self.returned += 1,
            ItemStatus::Accepted => self.accepted += 1,
        }
    }

    /// Items the DINUM has received (transmitted or accepted).
    pub fn transmitted(&self) -> usize {
        self.submitted + self.accepted
    }

    /// Share of expected items transmitted, 0–100 (100 when nothing is expected).
    pub fn percent(&self) -> f64 {
        if self.expected == 0 {
            100.0
        } else {
            100.0 * self.transmitted() as f64 / self.expected as f64
        }
    }

    /// Every expected item is transmitted.
    pub fn complete(&self) -> bool {
        self.transmitted() == self.expected
    }
}

/// Counts per key (an organisation, an item kind…).
pub fn tally<K: Ord>(
    items: impl IntoIterator<Item = (K, ItemStatus)>,
) -> BTreeMap<K, Completeness> {
    let mut out: BTreeMap<K, Completeness> = BTreeMap::new();
    for (k, s) in items {
        out.entry(k).or_default().add(s);
    }
    out
}

/// A return is late once the deadline has passed and items are still
/// missing (not transmitted). The deadline day itself is still on time.
pub fn is_late(deadline: Date, today: Date, c: &Completeness) -> bool {
    today > deadline && !c.complete()
}

/// A notice sent to an organisation's people about a campaign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Notice {
    /// The campaign opened.
    Opened,
    /// A reminder, so many days before the deadline.
    Reminder { days_left: u32 },
    /// The deadline passed with items missing.
    Late,
}

impl Notice {
    /// Identifies the notice within a campaign and organisation, so each is
    /// sent once however often the dispatcher runs.
    pub fn key(&self) -> String {
        match self {
            Notice::Opened => "opened".into(),
            Notice::Reminder { days_left } => format!("reminder-{days_left}"),
            Notice::Late => "late".into(),
        }
    }
}

/// The notices due on `today` for an organisation whose return is
/// `complete` or not: the opening (from the opening day on), the latest
/// reminder whose day has come (the one closest to the deadline, never an
/// older one once a closer one is due), and lateness after the deadline.
/// Complete returns get no reminder nor lateness.
pub fn due_notices(
    opens_on: Date,
    deadline: Date,
    reminder_days: &[u32],
    today: Date,
    complete: bool,
) -> Vec<Notice> {
    let mut out = Vec::new();
    if today < opens_on {
        return out;
    }
    out.push(Notice::Opened);
    if complete {
        return out;
    }
    if today > deadline {
        out.push(Notice::Late);
        return out;
    }
    let left = (deadline - today).whole_days();
    let closest = reminder_days
        .iter()
        .copied()
        .filter(|d| i64::from(*d) >= left)
        .min();
    if let Some(days_left) = closest
        && deadline - time::Duration::days(i64::from(days_left)) > opens_on
    {
        out.push(Notice::Reminder { days_left });
    }
    out
}

/// One event of a digest, as written in the message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DigestLine {
    pub campaign: String,
    pub text: String,
    pub link: String,
}

/// The subject and plain-text body of a recipient's digest: one message
/// for every pending event, grouped by campaign.
pub fn digest(recipient: &str, base_url: &str, lines: &[DigestLine]) -> (String, String) {
    let subject = match lines.len() {
        1 => format!("[cosinum] {}", lines[0].campaign),
        n => format!("[cosinum] {n} notifications sur vos campagnes de collecte"),
    };
    let mut body = format!("Bonjour {recipient},\n\n");
    let mut campaigns: Vec<&str> = lines.iter().map(|l| l.campaign.as_str()).collect();
    campaigns.dedup();
    let mut seen = std::collections::BTreeSet::new();
    for c in campaigns {
        if !seen.insert(c) {
            continue;
        }
        body.push_str(&format!("{c}\n"));
        for l in lines.iter().filter(|l| l.campaign == c) {
            body.push_str(&format!(
                "  - {}\n    {}{}\n",
                l.text,
                base_url.trim_end_matches('/'),
                l.link
            ));
        }
        body.push('\n');
    }
    body.push_str(
        "Vous recevez ce message parce que votre ministère participe à ces campagnes.\n\
         Vos notifications sont aussi sur la plateforme : ",
    );
    body.push_str(&format!(
        "{}/notifications\n",
        base_url.trim_end_matches('/')
    ));
    (subject, body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    const OPENS: Date = date!(2026 - 06 - 01);
    const DEADLINE: Date = date!(2026 - 06 - 30);

    #[test]
    fn completeness_counts_and_percent() {
        let t = tally([
            (1, ItemStatus::Accepted),
            (1, ItemStatus::Submitted),
            (1, ItemStatus::NotStarted),
            (2, ItemStatus::Draft),
        ]);
        assert_eq!(t[&1].expected, 3);
        assert_eq!(t[&1].transmitted(), 2);
        assert!((t[&1].percent() - 66.666).abs() < 0.01);
        assert!(!t[&2].complete());
        assert!(is_late(DEADLINE, date!(2026 - 07 - 01), &t[&2]));
        assert!(!is_late(DEADLINE, DEADLINE, &t[&2]));
        assert_eq!(Completeness::default().percent(), 100.0);
    }

    #[test]
    fn notices_follow_the_calendar() {
        let r = [14, 7, 2];
        assert!(due_notices(OPENS, DEADLINE, &r, date!(2026 - 05 - 31), false).is_empty());
        assert_eq!(
            due_notices(OPENS, DEADLINE, &r, OPENS, false),
            vec![Notice::Opened]
        );
        assert_eq!(
            due_notices(OPENS, DEADLINE, &r, date!(2026 - 06 - 20), false),
            vec![Notice::Opened, Notice::Reminder { days_left: 14 }]
        );
        assert_eq!(
            due_notices(OPENS, DEADLINE, &r, date!(2026 - 06 - 28), false),
            vec![Notice::Opened, Notice::Reminder { days_left: 2 }]
        );
        assert_eq!(
            due_notices(OPENS, DEADLINE, &r, date!(2026 - 07 - 02), false),
            vec![Notice::Opened, Notice::Late]
        );
        assert_eq!(
            due_notices(OPENS, DEADLINE, &r, date!(2026 - 07 - 02), true),
            vec![Notice::Opened]
        );
    }

    #[test]
    fn the_digest_gathers_every_event_in_one_message() {
        let lines = vec![
            DigestLine {
                campaign: "Revue S1".into(),
                text: "Campagne ouverte".into(),
                link: "/campagnes/1".into(),
            },
            DigestLine {
                campaign: "Revue S1".into(),
                text: "Élément à corriger".into(),
                link: "/campagnes/1/elements/4".into(),
            },
            DigestLine {
                campaign: "Démarches T2".into(),
                text: "Relance".into(),
                link: "/campagnes/2".into(),
            },
        ];
        let (subject, body) = digest("Alice", "https://cosinum.example/", &lines);
        assert!(subject.contains("3 notifications"));
        assert!(body.contains("https://cosinum.example/campagnes/1/elements/4"));
        assert_eq!(body.matches("Revue S1\n").count(), 1);
        assert!(body.contains("Démarches T2"));
    }

    proptest! {
        /// At most one reminder is due on any day, and never after the
        /// deadline nor before the opening.
        #[test]
        fn at_most_one_reminder_a_day(day in 0i64..60, a in 1u32..40, b in 1u32..40, complete: bool) {
            let today = OPENS - time::Duration::days(10) + time::Duration::days(day);
            let n = due_notices(OPENS, DEADLINE, &[a, b], today, complete);
            let reminders = n.iter().filter(|x| matches!(x, Notice::Reminder { .. })).count();
            prop_assert!(reminders <= 1);
            if today > DEADLINE || today < OPENS || complete {
                prop_assert_eq!(reminders, 0);
            }
            if today < OPENS {
                prop_assert!(n.is_empty());
            }
        }
    }
}
