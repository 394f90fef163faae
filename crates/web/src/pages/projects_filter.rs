//! The projects dashboard's filter by ministry: a list while it can be
//! read, a code to type past that.

use super::projects::{Opt, opt};

/// Past this many ministries the filter asks for a ministry's code rather
/// than listing them all: a list of thousands (a large administration's
/// portfolio, issue #11) weighs a megabyte and cannot be read by anyone.
const MINISTRIES_LISTED: usize = 60;

/// How the projects list is filtered by ministry.
pub(super) enum MinistryFilter {
    /// A choice among the ministries with projects ("Tous" first).
    Choices(Vec<Opt>),
    /// Too many to list: the ministry's code is typed.
    Code(CodeFilter),
}

/// A ministry's code typed in, with what the hint says.
pub(super) struct CodeFilter {
    pub(super) current: String,
    /// How many ministries have projects at the date.
    pub(super) count: usize,
    pub(super) example: String,
}

pub(super) fn ministry_filter(groups: &[crate::portfolio::Group], current: &str) -> MinistryFilter {
    if groups.len() > MINISTRIES_LISTED {
        return MinistryFilter::Code(CodeFilter {
            current: current.to_owned(),
            count: groups.len(),
            example: groups.first().map(|g| g.key.clone()).unwrap_or_default(),
        });
    }
    let mut choices = vec![opt("", "Tous", current)];
    choices.extend(groups.iter().map(|g| opt(&g.key, &g.label, current)));
    MinistryFilter::Choices(choices)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::portfolio::{Figures, Group};

    fn groups(n: usize) -> Vec<Group> {
        (0..n)
            .map(|i| Group {
                key: format!("M{i:03}"),
                label: format!("Ministère {i}"),
                figures: Figures::default(),
            })
            .collect()
    }

    #[test]
    fn a_few_ministries_are_listed_more_are_typed() {
        let MinistryFilter::Choices(choices) = ministry_filter(&groups(MINISTRIES_LISTED), "M007")
        else {
            panic!("listed");
        };
        assert_eq!(choices.len(), MINISTRIES_LISTED + 1);
        assert_eq!(choices[0].label, "Tous");
        let selected: Vec<&str> = choices
            .iter()
            .filter(|o| o.selected)
            .map(|o| o.value.as_str())
            .collect();
        assert_eq!(selected, ["M007"]);
        let MinistryFilter::Code(code) = ministry_filter(&groups(MINISTRIES_LISTED + 1), "M007")
        else {
            panic!("typed");
        };
        assert_eq!(
            (code.count, code.current.as_str(), code.example.as_str()),
            (MINISTRIES_LISTED + 1, "M007", "M000")
        );
    }
}
