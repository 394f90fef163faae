//! Demo data of the online-services module: about 250 démarches across the
//! ministries, observed over 19 quarterly editions that span both methods
//! (v2019 until mid-2023, v2023 since), improving at realistic, uneven paces.
//! Deterministic: the same data everywhere.

use std::collections::HashMap;

use cosinum_domain::OrgId;
use cosinum_domain::demarches::demarche::DemarcheFields;
use time::{Date, Month};

use crate::audit::AuditCtx;
use crate::db::Tx;
use crate::demarches;
use crate::demo::Lcg;

/// (ministry code, administration, audience, object of the procedure)
#[rustfmt::skip]
const OBJECTS: &[(&str, &str, &str, &str)] = &[
    ("MEF", "DGFiP", "particuliers", "déclaration des revenus"),
    ("MEF", "DGFiP", "particuliers", "paiement de l'impôt sur le revenu"),
    ("MEF", "DGFiP", "particuliers", "taxe foncière"),
    ("MEF", "DGFiP", "professionnels", "déclaration de TVA"),
    ("MEF", "DGFiP", "professionnels", "impôt sur les sociétés"),
    ("MEF", "DGFiP", "particuliers", "déclaration de biens immobiliers"),
    ("MEF", "DGFiP", "particuliers", "prélèvement à la source"),
    ("MEF", "DGFiP", "particuliers", "amende forfaitaire"),
    ("MEF", "DGFiP", "particuliers", "timbre fiscal électronique"),
    ("MEF", "DGFiP", "particuliers", "déclaration de succession"),
    ("MEF", "DGDDI", "professionnels", "déclaration en douane"),
    ("MEF", "DGDDI", "particuliers", "détaxe des achats à l'export"),
    ("MEF", "INSEE", "professionnels", "immatriculation au répertoire SIRENE"),
    ("MININT", "ANTS", "particuliers", "carte nationale d'identité"),
    ("MININT", "ANTS", "particuliers", "passeport"),
    ("MININT", "ANTS", "particuliers", "permis de conduire"),
    ("MININT", "ANTS", "particuliers", "certificat d'immatriculation"),
    ("MININT", "ANTS", "particuliers", "déclaration de cession d'un véhicule"),
    ("MININT", "DGEF", "particuliers", "titre de séjour étudiant"),
    ("MININT", "DGEF", "particuliers", "titre de séjour salarié"),
    ("MININT", "DGEF", "particuliers", "naturalisation"),
    ("MININT", "DGEF", "particuliers", "document de circulation pour étranger mineur"),
    ("MININT", "DMAT", "associations", "déclaration d'association"),
    ("MININT", "DMAT", "particuliers", "inscription sur les listes électorales"),
    ("MININT", "DMAT", "particuliers", "procuration de vote"),
    ("MININT", "DGPN", "particuliers", "pré-plainte en ligne"),
    ("MTSS", "CNAF", "particuliers", "prime d'activité"),
    ("MTSS", "CNAF", "particuliers", "allocations familiales"),
    ("MTSS", "CNAF", "particuliers", "aide personnalisée au logement"),
    ("MTSS", "CNAF", "particuliers", "revenu de solidarité active"),
    ("MTSS", "CNAM", "particuliers", "carte Vitale"),
    ("MTSS", "CNAM", "particuliers", "complémentaire santé solidaire"),
    ("MTSS", "CNAM", "particuliers", "indemnités journalières"),
    ("MTSS", "CNAV", "particuliers", "retraite de base"),
    ("MTSS", "CNAV", "particuliers", "pension de réversion"),
    ("MTSS", "France Travail", "particuliers", "inscription comme demandeur d'emploi"),
    ("MTSS", "France Travail", "particuliers", "actualisation mensuelle"),
    ("MTSS", "URSSAF", "professionnels", "cotisations des micro-entrepreneurs"),
    ("MTSS", "URSSAF", "professionnels", "déclaration sociale nominative"),
    ("MTSS", "URSSAF", "particuliers", "emploi d'un salarié à domicile"),
    ("MTSS", "DGT", "professionnels", "rupture conventionnelle"),
    ("MTSS", "ANS", "professionnels", "carte de professionnel de santé"),
    ("MJ", "DACS", "particuliers", "extrait de casier judiciaire"),
    ("MJ", "DSJ", "particuliers", "aide juridictionnelle"),
    ("MJ", "DSJ", "particuliers", "saisine du juge aux affaires familiales"),
    ("MJ", "DSJ", "particuliers", "certificat de nationalité française"),
    ("MENJ", "DGESCO", "particuliers", "inscription au baccalauréat"),
    ("MENJ", "DGESCO", "particuliers", "bourse de collège"),
    ("MENJ", "DGESCO", "particuliers", "affectation au lycée"),
    ("MENJ", "DGESCO", "particuliers", "instruction en famille"),
    ("MESR", "DGESIP", "particuliers", "admission en première année d'études supérieures"),
    ("MESR", "CNOUS", "particuliers", "bourse sur critères sociaux"),
    ("MESR", "CNOUS", "particuliers", "logement étudiant"),
    ("MTE", "DGEC", "particuliers", "aide à la rénovation énergétique"),
    ("MTE", "DGEC", "particuliers", "bonus écologique"),
    ("MTE", "DGALN", "professionnels", "autorisation environnementale"),
    ("MTE", "DGITM", "particuliers", "inscription à l'examen du permis de conduire"),
    ("MASA", "ASP", "professionnels", "aides de la politique agricole commune"),
    ("MASA", "DGAL", "professionnels", "certificat sanitaire à l'export"),
    ("MC", "DGPA", "particuliers", "pass Culture"),
    ("MC", "DGPA", "collectivites", "subvention pour monument historique"),
    ("MEAE", "DFAE", "particuliers", "inscription au registre des Français établis hors de France"),
    ("MEAE", "DFAE", "particuliers", "visa de court séjour"),
];

const ACTIONS: [&str; 4] = ["Demande", "Renouvellement", "Modification", "Suivi"];

/// The quarter ends of the demo editions: v2019 from end-2021, v2023 from Q3 2023.
fn edition_dates(today: Date) -> Vec<(Date, &'static str)> {
    let mut out = Vec::new();
    for year in 2021..=today.year() {
        for (m, d) in [
            (Month::March, 31),
            (Month::June, 30),
            (Month::September, 30),
            (Month::December, 31),
        ] {
            let Ok(day) = Date::from_calendar_date(year, m, d) else {
                continue;
            };
            let v1 = day >= Date::from_calendar_date(2021, Month::December, 31).unwrap_or(day)
                && day <= Date::from_calendar_date(2023, Month::March, 31).unwrap_or(day);
            let v2 = day >= Date::from_calendar_date(2023, Month::September, 30).unwrap_or(day)
                && day <= today;
            if v1 {
                out.push((day, "v2019"));
            } else if v2 {
                out.push((day, "v2023"));
            }
        }
    }
    out
}

fn fr(v: f64, decimals: usize) -> String {
    format!("{v:.decimals$}").replace('.', ",")
}

fn pick<'a>(m: f64, steps: &[(f64, &'a str)], last: &'a str) -> &'a str {
    steps
        .iter()
        .find(|(t, _)| m >= *t)
        .map_or(last, |(_, v)| *v)
}

/// The raw values of one démarche at maturity `m` (0 = poor, 1 = exemplary).
fn values(
    method: &str,
    m: f64,
    pro: bool,
    rng: &mut Lcg,
    online_rate: f64,
) -> Vec<(&'static str, String)> {
    let online = pick(m, &[(0.55, "Oui"), (0.4, "Partiel"), (0.33, "Bêta")], "Non");
    let score = |base: f64, rng: &mut Lcg| {
        fr(
            (base + 4.3 * m + rng.next() * 0.8 - 0.4).clamp(0.0, 10.0),
            1,
        )
    };
    let measured = m > 0.2;
    let later = |v: String| if measured { v } else { "À venir".to_owned() };
    if method == "v2019" {
        vec![
            ("online", online.to_owned()),
            ("satisfaction", later(score(4.6, rng))),
            (
                "handicap_v1",
                pick(m, &[(0.75, "Oui"), (0.45, "Partiel")], "Non").to_owned(),
            ),
            (
                "help_reachable_v1",
                pick(m, &[(0.6, "Oui"), (0.35, "Partiel")], "Non").to_owned(),
            ),
            (
                "mobile",
                pick(m, &[(0.5, "Oui"), (0.3, "Partiel")], "Non").to_owned(),
            ),
            (
                "franceconnect",
                if pro {
                    "n/a".to_owned()
                } else {
                    pick(m, &[(0.5, "Oui")], "Non").to_owned()
                },
            ),
            ("dlnuf_v1", format!("{}", (6.0 * (1.0 - m)).round() as i64)),
            (
                "availability_speed",
                format!("{}", (3.0 + 7.0 * m).round() as i64),
            ),
        ]
    } else {
        let online = if m > 0.93 && !pro {
            "Démarche proactive"
        } else if online == "Bêta" {
            "Partiel"
        } else {
            online
        };
        vec![
            ("online", online.to_owned()),
            ("satisfaction", later(score(4.4, rng))),
            (
                "handicap",
                later(format!(
                    "{}",
                    if m > 0.9 {
                        100
                    } else {
                        (25.0 + 75.0 * m).round() as i64
                    }
                )),
            ),
            ("dlnuf", format!("{}", (5.0 * (1.0 - m)).round() as i64)),
            ("usage", fr(online_rate * 100.0, 0)),
            (
                "auth",
                if pro {
                    "Non applicable".to_owned()
                } else {
                    pick(
                        m,
                        &[(0.85, "FranceConnect+"), (0.45, "FranceConnect")],
                        "Non",
                    )
                    .to_owned()
                },
            ),
            ("simplicity", later(score(4.8, rng))),
            ("help_reachable", later(fr(55.0 + 40.0 * m, 0))),
            ("help_efficient", later(score(4.5, rng))),
            ("help_used", fr(30.0 - 20.0 * m, 0)),
            ("uptime", fr((98.0 + 2.0 * m).min(99.99), 2)),
            (
                "performance",
                format!("{}", (950.0 - 700.0 * m).round() as i64),
            ),
        ]
    }
}

/// Creates the demo démarches and their editions.
pub async fn seed(
    tx: &mut Tx,
    ctx: &AuditCtx,
    orgs: &HashMap<&str, OrgId>,
    today: Date,
) -> anyhow::Result<usize> {
    let mut rng = Lcg(0x0DE_4A4C_4E55);
    let mut created = Vec::new();
    'outer: for action in ACTIONS {
        for &(ministry, administration, audience, object) in OBJECTS {
            if created.len() >= 250 {
                break 'outer;
            }
            let Some(&org) = orgs.get(ministry) else {
                continue;
            };
            let volume = (10f64.powf(4.5 + rng.next() * 3.0)).round() as i64;
            let online_rate = 0.3 + rng.next() * 0.65;
            let fields = DemarcheFields {
                organisation_id: org,
                administration: administration.into(),
                name: format!("{action} — {object}"),
                audiences: vec![audience.into()],
                url: format!(
                    "https://www.service-public.fr/demarches/{}",
                    created.len() + 1
                ),
                annual_volume: Some(volume),
                online_volume: Some((volume as f64 * online_rate).round() as i64),
                online_since: Date::from_calendar_date(
                    2012 + (rng.next() * 10.0) as i32,
                    Month::January,
                    1,
                )
                .ok(),
            };
            let d = demarches::create(tx, ctx, &fields).await?;
            // Starting maturity and pace differ: most improve, a few stall.
            created.push((
                d.id,
                rng.next() * 0.7,
                rng.next() * 0.5,
                audience == "professionnels",
                online_rate,
            ));
        }
    }
    for (k, (date, method)) in edition_dates(today).into_iter().enumerate() {
        let edition =
            demarches::upsert_edition(tx, ctx, date, method, "données de démonstration").await?;
        let mut rows = Vec::new();
        for &(id, start, pace, pro, rate) in &created {
            let m = (start + pace * k as f64 / 18.0).clamp(0.0, 1.0);
            for (slug, raw) in values(method, m, pro, &mut rng, (rate + 0.02 * k as f64).min(0.99))
            {
                rows.push(demarches::ValueWrite {
                    demarche_id: id,
                    slug: slug.to_owned(),
                    raw,
                    expected: None,
                });
            }
        }
        demarches::write_values(tx, ctx, edition, &rows).await?;
    }
    Ok(created.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use cosinum_domain::demarches::method::{Assessment, assess, method, parse_raw};

    /// Every generated value is valid under its method: nothing the demo shows is "Invalid".
    #[test]
    fn generated_values_are_valid() {
        let mut rng = Lcg(1);
        for code in ["v2019", "v2023"] {
            let method = method(code).unwrap();
            for step in 0..=20 {
                for pro in [false, true] {
                    for (slug, raw) in values(code, f64::from(step) / 20.0, pro, &mut rng, 0.7) {
                        let indicator = method
                            .indicators
                            .iter()
                            .find(|i| i.slug == slug)
                            .unwrap_or_else(|| panic!("{code} has no {slug}"));
                        let a = assess(indicator, &parse_raw(&raw));
                        assert!(
                            !matches!(a, Assessment::Invalid(_)),
                            "{code} {slug} {raw:?} → {a:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn editions_span_both_methods() {
        let dates = edition_dates(Date::from_calendar_date(2026, Month::November, 28).unwrap());
        assert_eq!(dates.iter().filter(|d| d.1 == "v2019").count(), 6);
        assert_eq!(dates.iter().filter(|d| d.1 == "v2023").count(), 13);
    }
}
