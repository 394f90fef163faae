//! The committee's demo data, on top of the other modules' demo: three
//! past sessions with their agenda (the points the data proposed at each
//! cut-off date), frozen sheets, attendance, decisions with their
//! follow-up, a published record each; and the next session, being
//! prepared. Dates follow today's, like the rest of the demo.

use std::collections::BTreeSet;

use anyhow::Context;
use cosinum_domain::authz::{Actor, Role};
use cosinum_domain::committee::decisions::{DecisionInput, Frequency, Status};
use cosinum_domain::committee::{Format, ObjectRef, PointInput, SessionInput, Topic, releve};
use cosinum_domain::{OrgId, UserId};
use cosinum_store::committee::{self as store, Member};
use cosinum_store::{AuditCtx, users};
use time::{Duration, OffsetDateTime};

use super::service::{self, NoteWrite};
use crate::AppState;

const MEMBERS: &[(&str, &str, &str)] = &[
    (
        "Claire Présidente",
        "Secrétaire générale du Gouvernement, présidente",
        "SGG",
    ),
    (
        "Directeur interministériel du numérique",
        "Rapporteur",
        "DINUM",
    ),
    ("Secrétaire général", "Membre", "MININT"),
    ("Secrétaire générale", "Membre", "MEF"),
    (
        "Secrétaire général pour l'administration",
        "Membre",
        "MINARM",
    ),
    ("Secrétaire général", "Membre", "MJ"),
    ("Secrétaire générale", "Membre", "MTE"),
    ("Secrétaire général", "Membre", "MENJ"),
    ("Secrétaire général", "Membre", "MTSS"),
    ("Haut fonctionnaire au numérique", "Invité", "MC"),
];

fn actor(user: i64, role: Role) -> Actor {
    Actor {
        user_id: UserId(user),
        role,
        organisation: None,
        scope: BTreeSet::new(),
        read_only: false,
    }
}

/// Seeds the committee's demo (does nothing if a session exists already).
pub async fn seed(state: &AppState) -> anyhow::Result<()> {
    if !store::sessions(&state.db).await?.is_empty() {
        return Ok(());
    }
    let ctx = AuditCtx::system("données de démonstration");
    let chair = users::get_by_email(&state.db, "presidence@demo.cosinum.fr")
        .await
        .context("the demo chair account")?;
    let members: Vec<Member> = MEMBERS
        .iter()
        .map(|(name, role, org)| Member {
            name: (*name).into(),
            role: (*role).into(),
            organisation: (*org).into(),
        })
        .collect();
    let mut tx = state.db.begin().await?;
    store::configure(
        &mut tx,
        &ctx,
        "Secrétaire générale du Gouvernement",
        Some(chair.id.0),
        &members,
    )
    .await?;
    tx.commit().await?;
    let dinum = actor(0, Role::Steering);
    let chair_actor = actor(chair.id.0, Role::Steering);
    let chair_ctx = AuditCtx::system(&chair.display_name);
    let today = OffsetDateTime::now_utc().date();
    for (n, days_ago) in [540i64, 360, 180].into_iter().enumerate() {
        let held_on = today - Duration::days(days_ago);
        let input = SessionInput {
            title: format!("COSINUM — séance n° {}", n + 1),
            held_on,
            cut_off: held_on - Duration::days(14),
            format: if n == 1 {
                Format::Hybrid
            } else {
                Format::InPerson
            },
            place: Some("Hôtel de Matignon, salle du conseil".into()),
        };
        let session = service::create_session(state, &dinum, &ctx, &input).await?;
        prepare_agenda(state, &dinum, &ctx, session.id, n).await?;
        service::freeze_all(state, &dinum, &ctx, session.id).await?;
        let attendees = store::attendees(&state.db, session.id).await?;
        let presence: Vec<(i64, Option<bool>)> = attendees
            .iter()
            .enumerate()
            .map(|(i, a)| (a.id, Some((i + n) % 7 != 3)))
            .collect();
        let s = store::get_session(&state.db, session.id).await?;
        service::set_attendance(state, &dinum, &ctx, session.id, &presence, s.version).await?;
        record_decisions(state, &dinum, &ctx, session.id, n).await?;
        let r = service::open_record(
            state,
            &dinum,
            &ctx,
            session.id,
            "Le comité a examiné les points inscrits à l'ordre du jour sur la base des fiches arrêtées à la date indiquée. Les décisions ci-dessous font l'objet d'un suivi par la DINUM jusqu'à leur réalisation.",
        )
        .await?;
        let r = service::transition(
            state,
            &chair_actor,
            &chair_ctx,
            r.id,
            releve::Status::Validated,
            r.version,
        )
        .await?;
        service::transition(
            state,
            &dinum,
            &ctx,
            r.id,
            releve::Status::Published,
            r.version,
        )
        .await?;
        follow_up(state, &ctx, session.id, held_on, today, n).await?;
    }
    let next = SessionInput {
        title: "COSINUM — séance n° 4".into(),
        held_on: today + Duration::days(12),
        cut_off: today,
        format: Format::InPerson,
        place: Some("Hôtel de Matignon, salle du conseil".into()),
    };
    let session = service::create_session(state, &dinum, &ctx, &next).await?;
    prepare_agenda(state, &dinum, &ctx, session.id, 3).await?;
    Ok(())
}

/// The points the data propose at the cut-off date, plus a point on online services every other session.
async fn prepare_agenda(
    state: &AppState,
    actor: &Actor,
    ctx: &AuditCtx,
    session_id: i64,
    n: usize,
) -> anyhow::Result<()> {
    let session = store::get_session(&state.db, session_id).await?;
    // One rule per topic (a committee hears every module, not four
    // variations on projects), up to four.
    let mut topics = Vec::new();
    for p in service::session_proposals(state, &session).await? {
        if topics.len() < 4 && !topics.contains(&p.topic) {
            topics.push(p.topic);
            service::accept_proposal(state, actor, ctx, session_id, p.rule).await?;
        }
    }
    let (title, topic) = match n % 3 {
        0 => (
            "Qualité des démarches en ligne : bilan de l'édition",
            Topic::Demarches,
        ),
        1 => (
            "Hébergement des applications sensibles : point d'étape",
            Topic::Cloud,
        ),
        _ => ("Attractivité des métiers du numérique", Topic::Talent),
    };
    let point = PointInput {
        title: title.into(),
        topic,
        presenter: "DINUM".into(),
        duration_minutes: 15,
        objects: vec![],
    };
    service::add_point(state, actor, ctx, session_id, &point, true).await?;
    if n == 3 {
        let reserve = PointInput {
            title: "Mutualisation des outils de visioconférence".into(),
            topic: Topic::Reuse,
            presenter: "DINUM".into(),
            duration_minutes: 10,
            objects: vec![],
        };
        service::add_point(state, actor, ctx, session_id, &reserve, false).await?;
    }
    Ok(())
}

/// The organisation that owns a linked object (the DINUM when none does).
async fn owner_of(state: &AppState, o: &ObjectRef, dinum: OrgId) -> OrgId {
    let found = match o.kind.as_str() {
        "organisation" => Some(OrgId(o.id)),
        "project" => cosinum_store::projects::get(&state.db, o.id)
            .await
            .ok()
            .map(|p| p.organisation_id),
        "application" => cosinum_store::cloud::application(&state.db, o.id)
            .await
            .ok()
            .map(|a| a.organisation_id),
        "funding_application" => cosinum_store::funding::applications::get(&state.db, o.id)
            .await
            .ok()
            .map(|a| a.fields.organisation_id),
        _ => None,
    };
    found.unwrap_or(dinum)
}

fn decision_text(topic: Topic, label: &str) -> String {
    match topic {
        Topic::Projects => format!(
            "{label} : présenter au prochain comité un plan de redressement (périmètre, calendrier, coût) validé par le comité ministériel."
        ),
        Topic::Funding => format!(
            "{label} : réviser l'échéancier de consommation des crédits et réaffecter les montants non engagés d'ici l'échéance."
        ),
        Topic::Cloud => format!(
            "{label} : migrer vers une offre qualifiée SecNumCloud ou solliciter une dérogation motivée."
        ),
        Topic::Talent => format!(
            "{label} : présenter un plan de fidélisation des profils numériques (rémunération, parcours)."
        ),
        Topic::Reuse => format!(
            "{label} : étudier la réutilisation de la solution existante avant tout nouvel investissement."
        ),
        Topic::FollowUp => {
            "Relancer les pilotes des décisions sans point d'avancement à jour.".into()
        }
        _ => format!("{label} : transmettre une note de situation à la DINUM."),
    }
}

/// Up to two decisions per point, about its first objects.
async fn record_decisions(
    state: &AppState,
    actor: &Actor,
    ctx: &AuditCtx,
    session_id: i64,
    n: usize,
) -> anyhow::Result<()> {
    let session = store::get_session(&state.db, session_id).await?;
    let dinum = cosinum_store::organisations::get_by_code(&state.db, "DINUM")
        .await?
        .id;
    for p in store::points::for_session(&state.db, session_id).await? {
        if p.position.is_none() {
            continue;
        }
        let targets: Vec<Option<&ObjectRef>> = if p.objects.is_empty() {
            vec![None]
        } else {
            p.objects.iter().take(2).map(Some).collect()
        };
        for (i, o) in targets.into_iter().enumerate() {
            let (owner, label, objects) = match o {
                Some(o) => (
                    owner_of(state, o, dinum).await,
                    o.label.clone(),
                    vec![o.clone()],
                ),
                None => (dinum, p.title.clone(), vec![]),
            };
            let input = DecisionInput {
                text: decision_text(p.topic, &label),
                owner,
                // The last session's decisions fall due after today: not everything is late.
                due_on: session.held_on
                    + Duration::days(if i == 0 { 120 } else { 240 } + if n == 2 { 150 } else { 0 }),
                frequency: if i == 0 {
                    Frequency::Monthly
                } else {
                    Frequency::Quarterly
                },
                objects,
            };
            service::add_decision(state, actor, ctx, p.id, &input).await?;
        }
    }
    Ok(())
}

/// Progress notes after the meeting: most decisions progress, some are
/// done, some are left without news (so the dashboard has alerts).
async fn follow_up(
    state: &AppState,
    ctx: &AuditCtx,
    session_id: i64,
    held_on: time::Date,
    today: time::Date,
    n: usize,
) -> anyhow::Result<()> {
    let dinum = actor(0, Role::Steering);
    for (i, d) in store::decisions::for_session(&state.db, session_id)
        .await?
        .into_iter()
        .enumerate()
    {
        if (i + n) % 4 == 3 {
            continue;
        }
        let first = (held_on + Duration::days(45)).min(today);
        let d = service::add_note(
            state,
            &dinum,
            ctx,
            d.id,
            NoteWrite {
                noted_on: Some(first),
                text: "Travaux engagés : équipe constituée et calendrier arrêté avec le ministère.",
                status: Status::InProgress,
            },
            d.version,
        )
        .await?;
        if n == 2 && i % 3 != 1 {
            // The last session's owners reported recently.
            service::add_note(
                state,
                &dinum,
                ctx,
                d.id,
                NoteWrite {
                    noted_on: Some(today - Duration::days(12)),
                    text: "Point d'étape : premiers livrables recettés, calendrier tenu.",
                    status: Status::InProgress,
                },
                d.version,
            )
            .await?;
        } else if n < 2 && i % 2 == 0 {
            let second = (held_on + Duration::days(110)).min(today);
            service::add_note(
                state,
                &dinum,
                ctx,
                d.id,
                NoteWrite {
                    noted_on: Some(second),
                    text: "Réalisé : livrable transmis à la DINUM et présenté en comité ministériel.",
                    status: Status::Done,
                },
                d.version,
            )
            .await?;
        }
    }
    Ok(())
}
