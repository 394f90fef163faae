use proptest::prelude::*;

use super::*;

fn line(key: &str, amounts: &[(i32, i64, i64)]) -> PlanLine {
    PlanLine {
        id: 0,
        key: key.into(),
        title: format!("Ligne {key}"),
        description: String::new(),
        functional_zone: "Identité".into(),
        project_id: None,
        application_id: None,
        expected_start: None,
        amounts: amounts
            .iter()
            .map(|&(year, ae, cp)| YearAmount {
                year,
                ae: Euros(ae),
                cp: Euros(cp),
            })
            .collect(),
        version: 1,
    }
}

fn plan(org: i64, year: i32, revision: i32, status: PlanStatus, lines: Vec<PlanLine>) -> Plan {
    Plan {
        id: 0,
        organisation_id: OrgId(org),
        year,
        revision,
        status,
        submitted_on: None,
        reviewed_on: None,
        lines,
        version: 1,
    }
}

#[test]
fn the_status_moves_forward_one_step_at_a_time() {
    use PlanStatus::*;
    assert!(Draft.can_become(Submitted) && Submitted.can_become(Reviewed));
    assert!(
        !Draft.can_become(Reviewed) && !Reviewed.can_become(Draft) && !Submitted.can_become(Draft)
    );
    assert_eq!(PlanStatus::parse("reviewed"), Some(Reviewed));
}

#[test]
fn lines_are_checked() {
    let ok = line("a", &[(2027, 10, 5), (2026, 20, 10)])
        .validated()
        .unwrap();
    assert_eq!(ok.amounts[0].year, 2026, "sorted by year");
    assert_eq!(ok.total(), (Euros(30), Euros(15)));
    let field = |l: PlanLine| l.validated().unwrap_err().field;
    assert_eq!(
        field(PlanLine {
            title: "  ".into(),
            ..line("a", &[])
        }),
        "title"
    );
    assert_eq!(field(line("a", &[(2026, 1, 1), (2026, 2, 2)])), "amounts");
    assert_eq!(field(line("a", &[(2026, -1, 1)])), "amounts");
    assert_eq!(field(line("a", &[(1900, 1, 1)])), "amounts");
}

#[test]
fn changes_between_two_plans() {
    let before = vec![
        line("a", &[(2026, 100, 50)]),
        line("b", &[(2026, 10, 10)]),
        line("c", &[(2026, 7, 7)]),
    ];
    let mut renamed = line("c", &[(2026, 7, 7)]);
    renamed.title = "Nouveau titre".into();
    let after = vec![
        line("a", &[(2026, 150, 50)]),
        renamed,
        line("d", &[(2027, 40, 0)]),
    ];
    let d = changes(&before, &after);
    let kinds: Vec<(&str, &LineChange)> = d.iter().map(|x| (x.key.as_str(), &x.change)).collect();
    assert_eq!(
        kinds,
        [
            (
                "a",
                &LineChange::Changed {
                    fields: vec!["amounts"]
                }
            ),
            (
                "c",
                &LineChange::Changed {
                    fields: vec!["title"]
                }
            ),
            ("d", &LineChange::Added),
            ("b", &LineChange::Removed),
        ]
    );
    assert_eq!((d[0].ae_delta, d[0].cp_delta), (Euros(50), Euros(0)));
    assert_eq!(d[3].ae_delta, Euros(-10));
    assert!(changes(&after, &after).is_empty());
}

#[test]
fn consolidation_and_the_plan_in_force() {
    let plans = vec![
        plan(
            1,
            2026,
            1,
            PlanStatus::Reviewed,
            vec![line("a", &[(2026, 100, 50), (2027, 0, 50)])],
        ),
        plan(
            1,
            2026,
            2,
            PlanStatus::Submitted,
            vec![line("a", &[(2026, 120, 60)])],
        ),
        plan(
            1,
            2026,
            3,
            PlanStatus::Draft,
            vec![line("a", &[(2026, 999, 999)])],
        ),
        plan(
            2,
            2026,
            1,
            PlanStatus::Submitted,
            vec![line("x", &[(2026, 30, 30)])],
        ),
        plan(1, 2025, 1, PlanStatus::Reviewed, vec![]),
    ];
    let in_force: Vec<&Plan> = [1, 2]
        .iter()
        .filter_map(|o| plan_in_force(&plans, OrgId(*o), 2026))
        .collect();
    assert_eq!(
        in_force.iter().map(|p| p.revision).collect::<Vec<_>>(),
        [2, 1],
        "drafts do not count"
    );
    let c = consolidate(in_force.iter().copied(), |p, _| {
        p.organisation_id.to_string()
    });
    assert_eq!(c["1"][&2026], (Euros(120), Euros(60)));
    let all = consolidate(in_force.iter().copied(), |_, l| l.functional_zone.clone());
    assert_eq!(all["Identité"][&2026], (Euros(150), Euros(90)));
    assert_eq!(
        previous_plan(&plans, &plans[1]).map(|p| p.revision),
        Some(1)
    );
    assert_eq!(
        previous_plan(&plans, &plans[0]).map(|p| p.year),
        Some(2025),
        "the year before"
    );
}

proptest! {
    /// Whatever the grouping, consolidation keeps every euro.
    #[test]
    fn consolidation_keeps_the_totals(amounts in prop::collection::vec((2025i32..2030, 0i64..1_000_000, 0i64..1_000_000), 0..20)) {
        let lines: Vec<PlanLine> = amounts
            .iter()
            .enumerate()
            .map(|(i, a)| line(&i.to_string(), &[*a]))
            .collect();
        let p = plan(1, 2026, 1, PlanStatus::Submitted, lines);
        let by_key = consolidate([&p], |_, l| l.key.clone());
        let one = consolidate([&p], |_, _| "all".into());
        let sum = |c: &Consolidation| c.values().flat_map(|y| y.values()).map(|(ae, _)| ae.0).sum::<i64>();
        prop_assert_eq!(sum(&by_key), amounts.iter().map(|a| a.1).sum::<i64>());
        prop_assert_eq!(sum(&one), sum(&by_key));
    }
}
