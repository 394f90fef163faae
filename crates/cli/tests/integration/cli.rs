//! The `cosinum` command, run as a user would: the real binary, against the
//! same database as a running server.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::harness::*;

pub(crate) fn cosinum(db_url: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_cosinum"))
        .args(args)
        .env("COSINUM_DATABASE_URL", db_url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run cosinum")
}

fn cosinum_stdin(db_url: &str, args: &[&str], stdin: &str) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cosinum"))
        .args(args)
        .arg("--database-url")
        .arg(db_url)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write");
    child.wait_with_output().expect("wait")
}

pub(crate) fn stdout(o: &std::process::Output) -> String {
    assert!(
        o.status.success(),
        "failed: {}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

async fn users_and_tokens_from_the_command_line(app: &TestApp) {
    let url = &app.test_db.url;
    stdout(&cosinum(url, &["migrate"]));
    let out = stdout(&cosinum_stdin(
        url,
        &[
            "user",
            "add",
            "--email",
            "Agent@Justice.gouv.fr",
            "--name",
            "Agent Justice",
            "--role",
            "ministry_editor",
            "--organisation",
            "mj",
            "--password-stdin",
        ],
        "un mot de passe solide\n",
    ));
    assert!(out.contains("agent@justice.gouv.fr"), "{out}");
    assert!(
        !out.contains("mot de passe :"),
        "a password given on stdin is not echoed"
    );
    let list = stdout(&cosinum(url, &["user", "list"]));
    assert!(
        list.lines().any(|l| l.contains("agent@justice.gouv.fr")
            && l.contains("ministry_editor")
            && l.contains("MJ")),
        "{list}"
    );
    // Bad input: a clear error, nothing created.
    let bad = cosinum(
        url,
        &[
            "user",
            "add",
            "--email",
            "x@y.fr",
            "--name",
            "X",
            "--role",
            "ministry_editor",
        ],
    );
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("organisation"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
    assert!(!stdout(&cosinum(url, &["user", "list"])).contains("x@y.fr"));

    // The token is printed alone on stdout and accepted by the API.
    let token = stdout(&cosinum(
        url,
        &["token", "create", "--email", "agent@justice.gouv.fr"],
    ))
    .trim()
    .to_owned();
    assert!(
        token.starts_with("csn_") && !token.contains(char::is_whitespace),
        "{token}"
    );
    let client = app.client();
    let me: Value = app.get_json("/api/v1/me", &token).await;
    assert_eq!(me["user"]["email"], "agent@justice.gouv.fr");
    let listed = stdout(&cosinum(
        url,
        &["token", "list", "--email", "agent@justice.gouv.fr"],
    ));
    let id = listed
        .split_whitespace()
        .next()
        .expect("token id")
        .to_owned();
    stdout(&cosinum(url, &["token", "revoke", &id]));
    assert_eq!(
        client
            .get(app.url("/api/v1/me"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("me")
            .status(),
        401
    );

    // Password change and disabling, with the sign-in to prove them.
    stdout(&cosinum_stdin(
        url,
        &[
            "user",
            "passwd",
            "--email",
            "agent@justice.gouv.fr",
            "--password-stdin",
        ],
        "un autre mot de passe\n",
    ));
    assert_ne!(
        app.login_with(
            &app.client(),
            "agent@justice.gouv.fr",
            "un autre mot de passe"
        )
        .await,
        ""
    );
    stdout(&cosinum(
        url,
        &["user", "disable", "--email", "agent@justice.gouv.fr"],
    ));
    assert_eq!(
        app.login_with(
            &app.client(),
            "agent@justice.gouv.fr",
            "un autre mot de passe"
        )
        .await,
        ""
    );
    let again = cosinum(
        url,
        &["user", "disable", "--email", "agent@justice.gouv.fr"],
    );
    assert!(!again.status.success(), "disabling twice says so");
    stdout(&cosinum(
        url,
        &["user", "enable", "--email", "agent@justice.gouv.fr"],
    ));

    // Every command-line change is in the history, attributed to the command line.
    let user = cosinum_store::users::get_by_email(&app.db, "agent@justice.gouv.fr")
        .await
        .expect("user");
    let history = cosinum_store::audit::history(&app.db, "user", user.id.0)
        .await
        .expect("history");
    let actions: Vec<&str> = history.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["create", "update", "archive", "restore"]);
    assert!(history.iter().all(|e| e.via == "cli"));
    assert!(
        !history.iter().any(|e| serde_json::to_string(&e.changes)
            .expect("json")
            .contains("argon2")),
        "no hash in history"
    );
}
dual_test!(users_and_tokens_from_the_command_line);

async fn backup_while_serving(app: &TestApp) {
    let dir = tempfile::tempdir().expect("dir");
    let dest = dir.path().join("copie.db");
    let out = cosinum(&app.test_db.url, &["backup", dest.to_str().expect("utf8")]);
    match app.backend() {
        Backend::Sqlite => {
            stdout(&out);
            let copy = cosinum_store::Db::connect(&format!("sqlite://{}", dest.display()))
                .await
                .expect("open copy");
            let orgs = cosinum_store::organisations::list(&copy, true)
                .await
                .expect("orgs");
            let live = cosinum_store::organisations::list(&app.db, true)
                .await
                .expect("orgs");
            assert_eq!(orgs.len(), live.len());
            copy.close().await;
            let twice = cosinum(&app.test_db.url, &["backup", dest.to_str().expect("utf8")]);
            assert!(!twice.status.success(), "never overwrites an existing file");
        }
        Backend::Postgres => {
            assert!(!out.status.success());
            assert!(String::from_utf8_lossy(&out.stderr).contains("pg_dump"));
        }
    }
}
dual_test!(backup_while_serving);

async fn serve_demo_prints_url_and_accounts_and_stops_gracefully(app: &TestApp) {
    // A fresh database of the same backend (the harness one already has the demo).
    let fresh = TestDb::new(app.backend()).await;
    let mut child = Command::new(env!("CARGO_BIN_EXE_cosinum"))
        .args([
            "serve",
            "--demo",
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            &fresh.url,
        ])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut printed = Vec::new();
    let start = Instant::now();
    let mut base = None;
    while start.elapsed() < Duration::from_secs(60) {
        let Some(Ok(line)) = lines.next() else { break };
        if let Some(rest) = line.strip_prefix("cosinum écoute sur ") {
            base = Some(rest.trim_end_matches('/').to_owned());
        }
        printed.push(line);
        if printed.iter().any(|l| l.contains(EDITOR_MEF)) {
            break;
        }
    }
    let base = base.unwrap_or_else(|| panic!("no URL printed: {printed:?}"));
    let all = printed.join("\n");
    for email in [ADMIN, STEERING, EDITOR_MININT, READER_MININT, EDITOR_MEF] {
        assert!(all.contains(email), "{email} not printed:\n{all}");
    }
    assert!(all.contains(DEMO_PASSWORD));
    let health: Value = reqwest::get(format!("{base}/api/v1/health"))
        .await
        .expect("health")
        .json()
        .await
        .expect("json");
    assert_eq!(health["status"], "ok");
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    let exit = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        assert!(Instant::now() < deadline, "server did not stop on SIGTERM");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(exit.success(), "graceful shutdown exits 0, got {exit:?}");
    fresh.drop_schema().await;
}
dual_test!(serve_demo_prints_url_and_accounts_and_stops_gracefully);

#[test]
fn default_config_prints_a_commented_example() {
    let out = Command::new(env!("CARGO_BIN_EXE_cosinum"))
        .arg("default-config")
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(
        text.contains("listen = \"127.0.0.1:8080\"") && text.contains("# "),
        "{text}"
    );
    let parsed: toml::Value = toml::from_str(&text).expect("valid TOML");
    assert!(parsed.get("web").is_some());
}
