//! Which rows of a large table a read takes: figures over hundreds of
//! thousands of démarches or applications are computed range by range, and
//! a ministry's page reads that ministry's rows only (issue #11).

use cosinum_domain::OrgId;

use crate::db::Db;
use crate::error::StoreResult;

/// Which objects are read, by their ids or their organisation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Among {
    /// All of them.
    All,
    /// Those whose id is in this range, both ends included.
    Ids(i64, i64),
    /// Those of one organisation.
    Ministry(OrgId),
}

impl Among {
    /// The condition after `WHERE` that takes these rows, `id` and `org`
    /// naming the columns of the object's id and organisation; its
    /// parameters ($1, $2) are bound by [`bind_among!`].
    pub(crate) fn condition(self, id: &str, org: &str) -> String {
        match self {
            Among::All => "TRUE".to_owned(),
            Among::Ids(..) => format!("{id} BETWEEN $1 AND $2"),
            Among::Ministry(_) => format!("{org} = $1"),
        }
    }

    /// The same condition on rows that name their object in `column`
    /// (an id of `table`, whose rows carry `organisation_id`): a ministry's
    /// ids are looked up once, not the owner of each row.
    pub(crate) fn condition_on(self, column: &str, table: &str) -> String {
        match self {
            Among::Ministry(_) => {
                format!("{column} IN (SELECT id FROM {table} WHERE organisation_id = $1)")
            }
            _ => self.condition(column, ""),
        }
    }
}

/// Binds the parameters of [`Among::condition`] to a query.
macro_rules! bind_among {
    ($q:expr, $among:expr) => {
        match $among {
            $crate::among::Among::All => $q,
            $crate::among::Among::Ids(lo, hi) => $q.bind(lo).bind(hi),
            $crate::among::Among::Ministry(org) => $q.bind(org.0),
        }
    };
}
pub(crate) use bind_among;

/// The smallest and largest ids of `table` (`None` when it is empty): the
/// span a read range by range walks through.
pub async fn id_span(db: &Db, table: Table) -> StoreResult<Option<(i64, i64)>> {
    let sql = format!("SELECT MIN(id), MAX(id) FROM {}", table.name());
    let (lo, hi): (Option<i64>, Option<i64>) =
        on_pool!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).fetch_one(p).await)?;
    Ok(lo.zip(hi))
}

/// The tables read range by range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Table {
    Projects,
    CloudApplications,
    FundingApplications,
}

impl Table {
    fn name(self) -> &'static str {
        match self {
            Table::Projects => "projects",
            Table::CloudApplications => "cloud_applications",
            Table::FundingApplications => "funding_applications",
        }
    }
}

/// The objects of some organisations, however many: their ids are bound as
/// one JSON array (`$1`), so a reader's scope — a ministry and every
/// directorate under it — is one parameter whatever its size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Owners(String);

impl Owners {
    pub fn of(orgs: impl IntoIterator<Item = OrgId>) -> Owners {
        let ids: Vec<String> = orgs.into_iter().map(|o| o.0.to_string()).collect();
        Owners(format!("[{}]", ids.join(",")))
    }

    /// The ids as bound to `$1`.
    pub(crate) fn json(&self) -> &str {
        &self.0
    }

    /// The condition after `WHERE` that `column` names one of these
    /// organisations (or, for [`ProjectIds`], one of those projects).
    pub(crate) fn condition(backend: crate::Backend, column: &str) -> String {
        let ids = match backend {
            crate::Backend::Sqlite => "SELECT value FROM json_each($1)",
            crate::Backend::Postgres => {
                "SELECT CAST(value AS BIGINT) FROM jsonb_array_elements_text(CAST($1 AS jsonb))"
            }
        };
        format!("{column} IN ({ids})")
    }

    /// The condition that `column` names a project of one of them.
    pub(crate) fn condition_on_projects(backend: crate::Backend, column: &str) -> String {
        format!(
            "{column} IN (SELECT id FROM projects WHERE {})",
            Owners::condition(backend, "organisation_id")
        )
    }
}

/// Some projects by id, bound as one JSON array (`$1`) like [`Owners`]: the
/// part of the portfolio a read takes when it is read part by part.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProjectIds(String);

impl ProjectIds {
    pub fn of(ids: impl IntoIterator<Item = i64>) -> ProjectIds {
        let ids: Vec<String> = ids.into_iter().map(|id| id.to_string()).collect();
        ProjectIds(format!("[{}]", ids.join(",")))
    }

    /// The ids as bound to `$1`.
    pub(crate) fn json(&self) -> &str {
        &self.0
    }
}

/// Whose rows a read of the portfolio's history takes.
#[derive(Clone, Copy, Debug)]
pub(crate) enum ProjectScope<'a> {
    /// Every project's.
    All,
    /// Those of the projects of some organisations.
    Of(&'a Owners),
    /// Those of some projects.
    Ids(&'a ProjectIds),
}

impl<'a> ProjectScope<'a> {
    pub(crate) fn of(owners: Option<&'a Owners>) -> Self {
        owners.map_or(ProjectScope::All, ProjectScope::Of)
    }

    /// The condition after `WHERE` that `column` names a project in scope;
    /// its parameter, if any, is `$1` (bound by [`Self::bound`]).
    pub(crate) fn condition(self, backend: crate::Backend, column: &str) -> String {
        match self {
            ProjectScope::All => "TRUE".to_owned(),
            ProjectScope::Of(_) => Owners::condition_on_projects(backend, column),
            ProjectScope::Ids(_) => Owners::condition(backend, column),
        }
    }

    /// The JSON array bound to `$1`, if the condition has one.
    pub(crate) fn bound(self) -> Option<&'a str> {
        match self {
            ProjectScope::All => None,
            ProjectScope::Of(o) => Some(o.json()),
            ProjectScope::Ids(ids) => Some(ids.json()),
        }
    }
}
