//! Both backends build the same schema from their own migrations.

use cosinum_store::schema::describe;
use cosinum_store::{Backend as StoreBackend, Db};

use crate::harness::{Backend, TestDb};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_and_postgres_schemas_are_equivalent() {
    assert_eq!(
        Db::migration_versions(StoreBackend::Sqlite),
        Db::migration_versions(StoreBackend::Postgres),
        "both migration folders must list the same versions and names"
    );
    let sqlite = TestDb::new(Backend::Sqlite).await;
    let postgres = TestDb::new(Backend::Postgres).await;
    let (s, p) = (sqlite.connect().await, postgres.connect().await);
    let (s_schema, p_schema) = (
        describe(&s).await.expect("sqlite"),
        describe(&p).await.expect("postgres"),
    );
    assert!(
        s_schema.contains_key("organisations") && s_schema.contains_key("audit_log"),
        "{s_schema:?}"
    );
    for (table, cols) in &s_schema {
        for c in cols {
            assert!(
                !c.class.starts_with("other:"),
                "{table}.{} has a non-portable type {}",
                c.name,
                c.class
            );
        }
    }
    assert_eq!(s_schema, p_schema, "SQLite and PostgreSQL schemas differ");
    // Migrations are idempotent.
    s.migrate().await.expect("again");
    p.migrate().await.expect("again");
    s.close().await;
    p.close().await;
    postgres.drop_schema().await;
}
