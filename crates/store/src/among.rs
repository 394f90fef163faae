//! Which rows of a large table a read takes: figures over hundreds of
//! thousands of démarches or applications are computed range by range, and
//! a ministry's page reads that ministry's rows only (issue #11).

use cosinum_domain::OrgId;

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
