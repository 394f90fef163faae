//! The dashboard's evolution charts: the online share across every edition
//! (each read under its own method), and the shares at goal of the shown
//! indicators across the editions of the displayed edition's method (other
//! methods' indicators do not compare, DM §1.9).

use cosinum_domain::demarches::Method;
use cosinum_domain::demarches::shares::{GoalShare, OnlineShare};
use time::Date;

use super::fr_date;
use crate::charts::{self, Series};
use crate::format::number;

/// The charts and the tables of their data.
#[derive(Clone)]
pub struct Evolution {
    pub online_svg: String,
    /// Edition, method, strict share, weighted share.
    pub online_rows: Vec<(String, String, String, String)>,
    pub goals_svg: String,
    pub goal_columns: Vec<String>,
    pub goal_rows: Vec<(String, Vec<String>)>,
}

fn pct(v: Option<f64>) -> String {
    v.map_or("—".into(), |s| format!("{} %", number(s * 100.0, 1)))
}

fn month_year(x: f64) -> String {
    Date::from_julian_day(x.round() as i32).map_or_else(
        |_| String::new(),
        |d| format!("{:02}/{}", u8::from(d.month()), d.year()),
    )
}

/// `editions`: each edition's date, method, online rate and goal shares
/// (under its method), oldest first; `shown`: the indicator slugs of
/// `current`'s method to follow.
pub fn evolution(
    editions: &[(Date, &'static Method, OnlineShare, Vec<GoalShare>)],
    current: &Method,
    shown: &[&str],
) -> Evolution {
    let mut strict = Vec::new();
    let mut weighted = Vec::new();
    let mut online_rows = Vec::new();
    let mut goal_series: Vec<Series> = shown
        .iter()
        .map(|slug| Series {
            label: current
                .indicator(slug)
                .map_or((*slug).to_owned(), |i| i.label_fr.to_owned()),
            points: Vec::new(),
        })
        .collect();
    let mut goal_rows = Vec::new();
    for (date, m, o, goals) in editions {
        let x = f64::from(date.to_julian_day());
        if let (Some(s), Some(w)) = (o.strict_share, o.weighted_share) {
            strict.push((x, s * 100.0));
            weighted.push((x, w * 100.0));
        }
        online_rows.push((
            fr_date(*date),
            m.label_fr.to_owned(),
            pct(o.strict_share),
            pct(o.weighted_share),
        ));
        if m.code != current.code {
            continue;
        }
        let mut cells = Vec::with_capacity(shown.len());
        for (slug, series) in shown.iter().zip(goal_series.iter_mut()) {
            let share = goals.iter().find(|g| g.slug == *slug).and_then(|g| g.share);
            if let Some(s) = share {
                series.points.push((x, s * 100.0));
            }
            cells.push(pct(share));
        }
        goal_rows.push((fr_date(*date), cells));
    }
    let online_svg = charts::line_chart(
        "en-ligne",
        "Part des démarches réalisables en ligne",
        "Part des démarches entièrement en ligne (comptage strict) et taux pondéré (100 % en ligne, 50 % partiel, 10 % bêta), à chaque édition.",
        &[
            Series {
                label: "Comptage strict (%)".into(),
                points: strict,
            },
            Series {
                label: "Taux pondéré (%)".into(),
                points: weighted,
            },
        ],
        month_year,
        |y| format!("{} %", number(y, 0)),
    );
    // One point is not a trend.
    let goals_svg = if goal_rows.len() >= 2 && !goal_series.is_empty() {
        charts::line_chart(
            "objectifs",
            "Part des démarches à l'objectif, par indicateur",
            "Pour chaque indicateur suivi, part des démarches évaluées qui atteignent le niveau d'objectif, à chaque édition de la méthode affichée.",
            &goal_series,
            month_year,
            |y| format!("{} %", number(y, 0)),
        )
    } else {
        String::new()
    };
    Evolution {
        online_svg,
        online_rows,
        goals_svg,
        goal_columns: goal_series.iter().map(|s| s.label.clone()).collect(),
        goal_rows,
    }
}
