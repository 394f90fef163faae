//! The changes recorded when an import creates a project or a review,
//! written straight to text: byte for byte what `diff(&Null, &audit_view(…))`
//! serialised by serde_json gives (fields in name order, null ones left
//! out), without building the JSON trees — a large edition creates millions.

use cosinum_domain::money::Euros;
use cosinum_domain::projects::project::{Project, Review};
use serde::Serialize;

use crate::error::StoreResult;

/// A creation's list of changes, field by field, in name order.
struct Created {
    buf: Vec<u8>,
    last: &'static str,
}

impl Created {
    fn new() -> Self {
        Created {
            buf: Vec::with_capacity(512),
            last: "",
        }
    }

    /// A field whose value is not null.
    fn field<T: Serialize + ?Sized>(&mut self, name: &'static str, value: &T) -> StoreResult<()> {
        debug_assert!(name > self.last, "{name} after {}", self.last);
        self.last = name;
        self.buf
            .extend_from_slice(if self.buf.is_empty() { b"[" } else { b"," });
        self.buf.extend_from_slice(b"{\"field\":");
        serde_json::to_writer(&mut self.buf, name).map_err(anyhow::Error::from)?;
        self.buf.extend_from_slice(b",\"before\":null,\"after\":");
        serde_json::to_writer(&mut self.buf, value).map_err(anyhow::Error::from)?;
        self.buf.push(b'}');
        Ok(())
    }

    /// A field that is left out when null, as `diff` leaves it out.
    fn opt<T: Serialize>(&mut self, name: &'static str, value: Option<T>) -> StoreResult<()> {
        match value {
            Some(v) => self.field(name, &v),
            None => Ok(()),
        }
    }

    fn finish(mut self) -> String {
        self.buf
            .extend_from_slice(if self.buf.is_empty() { b"[]" } else { b"]" });
        // Only serde_json's output and ASCII went in: valid UTF-8.
        String::from_utf8(self.buf).unwrap_or_default()
    }
}

/// The changes of `projects::create` for `p`.
pub(super) fn project_created(p: &Project) -> StoreResult<String> {
    let mut c = Created::new();
    c.field("archived", &p.archived)?;
    c.field("description", &p.description)?;
    c.field("entered_on", &p.entered_on.to_string())?;
    c.opt("exited_on", p.exited_on.map(|d| d.to_string()))?;
    c.field("figures_withheld", &p.figures_withheld)?;
    c.field("functional_zone", &p.functional_zone)?;
    c.field("funding_programmes", &p.funding_programmes)?;
    c.field("interministerial", &p.interministerial)?;
    c.field("links", &p.links)?;
    c.field("name", &p.name)?;
    c.field("organisation_id", &p.organisation_id)?;
    c.field("phase", p.phase.as_str())?;
    Ok(c.finish())
}

/// The changes of `reviews::create` for `r`, or `None` when it carries
/// milestones or risks (never from an import; the general path serves).
pub(super) fn review_created(r: &Review) -> StoreResult<Option<String>> {
    if !r.milestones.is_empty() || !r.risks.is_empty() {
        return Ok(None);
    }
    let empty: [u8; 0] = [];
    let mut c = Created::new();
    c.opt("cost_meur", r.cost.map(Euros::meur))?;
    c.opt("dinum_rating", r.dinum_rating.map(|x| x.0))?;
    c.field("figures_withheld", &r.figures_withheld)?;
    c.opt("forecast_end", r.forecast_end.map(|d| d.to_string()))?;
    c.field("milestones", &empty)?;
    c.opt("ministry_rating", r.ministry_rating.map(|x| x.0))?;
    c.field("narrative", &r.narrative)?;
    c.field("phase", r.phase.as_str())?;
    c.field("review_date", &r.review_date.to_string())?;
    c.field("risks", &empty)?;
    c.field("source", &r.source)?;
    c.opt("start", r.start.map(|d| d.to_string()))?;
    Ok(Some(c.finish()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use cosinum_domain::OrgId;
    use cosinum_domain::audit::diff;
    use cosinum_domain::projects::Phase;
    use cosinum_domain::projects::project::Rating;
    use serde_json::Value;
    use time::macros::date;

    fn general(view: &Value) -> String {
        serde_json::to_string(&diff(&Value::Null, view)).expect("json")
    }

    #[test]
    fn projects_are_written_as_the_general_path_writes_them() {
        let mut p = Project {
            id: 7,
            organisation_id: OrgId(3),
            name: "Projet « é » \"cité\"\tn° 1".into(),
            description: "Ligne 1\nligne 2 \\ \u{1}".into(),
            functional_zone: String::new(),
            interministerial: true,
            funding_programmes: "P129, P352".into(),
            links: "https://a.fr\nhttps://b.fr".into(),
            phase: Phase::Deploiement,
            figures_withheld: false,
            entered_on: date!(2021 - 06 - 30),
            exited_on: None,
            archived: false,
            version: 1,
            aliases: String::new(),
        };
        assert_eq!(
            project_created(&p).expect("json"),
            general(&super::super::audit_view(&p))
        );
        p.exited_on = Some(date!(2022 - 01 - 31));
        p.archived = true;
        assert_eq!(
            project_created(&p).expect("json"),
            general(&super::super::audit_view(&p))
        );
    }

    #[test]
    fn reviews_are_written_as_the_general_path_writes_them() {
        let mut r = Review {
            id: 1,
            project_id: 2,
            review_date: date!(2021 - 06 - 30),
            source: "panorama".into(),
            cost: Euros::from_meur(12.345_678),
            start: Some(date!(2019 - 01 - 01)),
            forecast_end: Some(date!(2023 - 07 - 02)),
            phase: Phase::ConceptionRealisation,
            figures_withheld: false,
            ministry_rating: None,
            dinum_rating: None,
            narrative: String::new(),
            milestones: Vec::new(),
            risks: Vec::new(),
            version: 1,
        };
        let view = |r: &Review| general(&super::super::reviews::audit_view(r));
        assert_eq!(review_created(&r).expect("json"), Some(view(&r)));
        for cost in [0.0, 9.0, 0.1, 1e-6, 123_456.7] {
            r.cost = Euros::from_meur(cost);
            assert_eq!(review_created(&r).expect("json"), Some(view(&r)));
        }
        r.cost = None;
        r.start = None;
        r.forecast_end = None;
        r.figures_withheld = true;
        r.ministry_rating = Some(Rating(2));
        r.dinum_rating = Some(Rating(4));
        r.narrative = "Dérive « expliquée »".into();
        assert_eq!(review_created(&r).expect("json"), Some(view(&r)));
    }
}
