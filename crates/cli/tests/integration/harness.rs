//! The test harness: a real cosinum (router, storage, migrations, demo data)
//! started on port 0 against SQLite or PostgreSQL, one isolated database per test.
//!
//! PostgreSQL comes from `COSINUM_TEST_POSTGRES_URL` (default: the local
//! server, `postgres://postgres@127.0.0.1:5432/test`); each test gets its own
//! schema, dropped at the end. If PostgreSQL is unreachable the PostgreSQL
//! tests fail, saying how to fix it: they are never silently skipped.

use std::net::SocketAddr;

use cosinum_domain::organisation::Organisation;
use cosinum_store::{AuditCtx, Db, demo, organisations, tokens, users};
use cosinum_web::{AppState, WebConfig};
use reqwest::redirect::Policy;
use tokio::sync::oneshot;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs an `async fn name(app: &TestApp)` once on SQLite and once on PostgreSQL.
macro_rules! dual_test {
    ($name:ident) => {
        mod $name {
            use $crate::harness::{Backend, TestApp};

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = TestApp::start(Backend::Sqlite).await;
                super::$name(&app).await;
                app.finish().await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let app = TestApp::start(Backend::Postgres).await;
                super::$name(&app).await;
                app.finish().await;
            }
        }
    };
}

/// Runs an `async fn name(backend: Backend, args…)` that starts its own app
/// (with a `WebConfig` of its own, say) once on SQLite and once on
/// PostgreSQL, as the tests `module::sqlite` and `module::postgres`.
macro_rules! dual_backend_test {
    ($module:ident => $name:ident $(, $arg:expr)* $(,)?) => {
        mod $module {
            use $crate::harness::Backend;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name(Backend::Sqlite $(, $arg)*).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name(Backend::Postgres $(, $arg)*).await;
            }
        }
    };
}

pub const DEMO_PASSWORD: &str = demo::DEMO_PASSWORD;
pub const ADMIN: &str = "admin@demo.cosinum.fr";
pub const STEERING: &str = "pilotage@demo.cosinum.fr";
pub const EDITOR_MININT: &str = "editeur.interieur@demo.cosinum.fr";
pub const READER_MININT: &str = "lecteur.interieur@demo.cosinum.fr";
pub const EDITOR_MEF: &str = "editeur.finances@demo.cosinum.fr";

pub fn postgres_base_url() -> String {
    std::env::var("COSINUM_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

fn with_search_path(base: &str, schema: &str) -> String {
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{base}{sep}options=-c%20search_path%3D{schema}")
}

/// A fresh, empty database of `backend`: its URL and what to clean up.
pub struct TestDb {
    pub url: String,
    pub backend: Backend,
    schema: Option<String>,
    _dir: tempfile::TempDir,
}

impl TestDb {
    pub async fn new(backend: Backend) -> TestDb {
        let dir = tempfile::tempdir().expect("temporary directory");
        match backend {
            Backend::Sqlite => TestDb {
                url: format!("sqlite://{}", dir.path().join("cosinum.db").display()),
                backend,
                schema: None,
                _dir: dir,
            },
            Backend::Postgres => {
                let base = postgres_base_url();
                let schema = format!(
                    "t_{}",
                    cosinum_store::secrets::random_token(9)
                        .to_lowercase()
                        .replace(['-', '_'], "x")
                );
                let admin = sqlx::PgPool::connect(&base).await.unwrap_or_else(|e| {
                    panic!(
                        "PostgreSQL unreachable at {base} ({e}). Start it (README, « Tests ») \
                         or set COSINUM_TEST_POSTGRES_URL."
                    )
                });
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
                    .execute(&admin)
                    .await
                    .expect("create test schema");
                admin.close().await;
                TestDb {
                    url: with_search_path(&base, &schema),
                    backend,
                    schema: Some(schema),
                    _dir: dir,
                }
            }
        }
    }

    pub async fn connect(&self) -> Db {
        let db = Db::connect(&self.url)
            .await
            .expect("connect to test database");
        db.migrate().await.expect("migrations");
        db
    }

    pub async fn drop_schema(&self) {
        if let Some(schema) = &self.schema {
            let admin = sqlx::PgPool::connect(&postgres_base_url())
                .await
                .expect("postgres");
            sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
                .execute(&admin)
                .await
                .expect("drop test schema");
            admin.close().await;
        }
    }
}

/// A running cosinum with the demo data.
pub struct TestApp {
    pub addr: SocketAddr,
    pub db: Db,
    pub test_db: TestDb,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
}

impl TestApp {
    pub async fn start(backend: Backend) -> TestApp {
        Self::start_with(backend, WebConfig::default()).await
    }

    /// Starts the application with a given web configuration.
    pub async fn start_with(backend: Backend, config: WebConfig) -> TestApp {
        Self::start_at(backend, |_| config).await
    }

    /// Starts the application with a configuration that depends on the
    /// address it listens on (e.g. `public_url`, registered at a provider).
    pub async fn start_at(
        backend: Backend,
        config: impl FnOnce(SocketAddr) -> WebConfig,
    ) -> TestApp {
        let test_db = TestDb::new(backend).await;
        let db = test_db.connect().await;
        demo::seed(&db).await.expect("demo data");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("local addr");
        let mut config = config(addr);
        // Tests dispatch campaign notices themselves, when they choose.
        config.notice_interval_secs = 0;
        let (tx, rx) = oneshot::channel::<()>();
        let state = AppState::new(db.clone(), config);
        let server = tokio::spawn(async move {
            cosinum_web::serve(listener, state, async {
                let _ = rx.await;
            })
            .await
            .expect("server");
        });
        TestApp {
            addr,
            db,
            test_db,
            shutdown: Some(tx),
            server: Some(server),
        }
    }

    pub fn backend(&self) -> Backend {
        self.test_db.backend
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// A client that keeps cookies and does not follow redirects (tests look at them).
    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .build()
            .expect("client")
    }

    /// A fresh API token for the account `email`.
    pub async fn token(&self, email: &str, read_only: bool) -> String {
        let user = users::get_by_email(&self.db, email).await.expect("user");
        let mut tx = self.db.begin().await.expect("tx");
        let (secret, _) = tokens::create(
            &mut tx,
            &AuditCtx::system("test"),
            user.id,
            "test",
            read_only,
            &Default::default(),
            None,
        )
        .await
        .expect("token");
        tx.commit().await.expect("commit");
        secret
    }

    /// GET `path` with a bearer token, as JSON (panics on a non-JSON answer).
    pub async fn get_json<T: serde::de::DeserializeOwned>(&self, path: &str, token: &str) -> T {
        self.client()
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request")
            .json()
            .await
            .expect("json")
    }

    /// GET `path` with `client` (its cookies), the page's text.
    pub async fn page(&self, client: &reqwest::Client, path: &str) -> String {
        client
            .get(self.url(path))
            .send()
            .await
            .expect("page")
            .text()
            .await
            .expect("html")
    }

    /// GET `path` with `client` (its cookies), the answer's status.
    pub async fn status(&self, client: &reqwest::Client, path: &str) -> reqwest::StatusCode {
        client
            .get(self.url(path))
            .send()
            .await
            .expect("request")
            .status()
    }

    /// Sends `body` as JSON with a bearer token: the status and the JSON
    /// answer (`Null` when there is none). `Null` as body sends none.
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: serde_json::Value,
    ) -> (u16, serde_json::Value) {
        let mut req = self
            .client()
            .request(method, self.url(path))
            .bearer_auth(token);
        if !body.is_null() {
            req = req.json(&body);
        }
        let res = req.send().await.expect("request");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(serde_json::Value::Null))
    }

    /// A single integer from SQL run straight on the test database.
    pub async fn scalar(&self, sql: &'static str) -> i64 {
        match &self.db {
            Db::Sqlite(p) => sqlx::query_scalar(sql).fetch_one(p).await,
            Db::Postgres(p) => sqlx::query_scalar(sql).fetch_one(p).await,
        }
        .expect("scalar")
    }

    /// Disables the account `email` (as an administrator would).
    pub async fn disable(&self, email: &str) {
        let user = users::get_by_email(&self.db, email).await.expect("user");
        let mut tx = self.db.begin().await.expect("tx");
        users::set_disabled(&mut tx, &AuditCtx::system("test"), user.id, None, true)
            .await
            .expect("disable");
        tx.commit().await.expect("commit");
    }

    /// A browser-like client signed in as `email`, and its CSRF token.
    pub async fn login(&self, email: &str) -> (reqwest::Client, String) {
        let client = self.client();
        let csrf = self.login_with(&client, email, DEMO_PASSWORD).await;
        assert!(!csrf.is_empty(), "sign-in as {email} failed");
        (client, csrf)
    }

    /// Signs `client` in; returns the session's CSRF token ("" if refused).
    pub async fn login_with(
        &self,
        client: &reqwest::Client,
        email: &str,
        password: &str,
    ) -> String {
        let page = client
            .get(self.url("/connexion"))
            .send()
            .await
            .expect("login page");
        let form_token = csrf_in(&page.text().await.expect("body"));
        let res = client
            .post(self.url("/connexion"))
            .form(&[
                ("csrf_token", form_token.as_str()),
                ("email", email),
                ("password", password),
                ("suivant", "/"),
            ])
            .send()
            .await
            .expect("login");
        if res.status() != 303 {
            return String::new();
        }
        let home = client
            .get(self.url("/compte"))
            .send()
            .await
            .expect("account page");
        csrf_in(&home.text().await.expect("body"))
    }

    pub async fn org(&self, code: &str) -> Organisation {
        organisations::get_by_code(&self.db, code)
            .await
            .expect("organisation")
    }

    pub async fn finish(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
        self.db.close().await;
        self.test_db.drop_schema().await;
    }
}

/// The value of the first `csrf_token` hidden field of a page.
pub fn csrf_in(html: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    html.find(marker)
        .map(|i| {
            let rest = &html[i + marker.len()..];
            rest[..rest.find('"').unwrap_or(0)].to_owned()
        })
        .unwrap_or_default()
}
