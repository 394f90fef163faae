//! Every route × every role × the organisation it touches: one authorisation
//! layer, checked from the outside, through the API and through the pages.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::*;

/// Who calls: anonymous, or a demo account.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Who {
    Anonymous,
    Admin,
    Steering,
    EditorMinint,
    ReaderMinint,
    EditorMef,
}

const EVERYONE: [Who; 6] = [
    Who::Anonymous,
    Who::Admin,
    Who::Steering,
    Who::EditorMinint,
    Who::ReaderMinint,
    Who::EditorMef,
];

impl Who {
    fn email(self) -> Option<&'static str> {
        match self {
            Who::Anonymous => None,
            Who::Admin => Some(ADMIN),
            Who::Steering => Some(STEERING),
            Who::EditorMinint => Some(EDITOR_MININT),
            Who::ReaderMinint => Some(READER_MININT),
            Who::EditorMef => Some(EDITOR_MEF),
        }
    }
}

/// Expected status per caller, in the order of [`EVERYONE`].
type Expect = [u16; 6];

/// An API request to try as every caller; the body is built per caller
/// (current version, unique codes).
struct ApiCase {
    method: Method,
    path: String,
    body: Option<Value>,
    expect: Expect,
}

async fn current_version(app: &TestApp, code: &str) -> i64 {
    app.org(code).await.version
}

async fn api_cases(app: &TestApp) -> Vec<ApiCase> {
    let ants = app.org("ANTS").await; // operator under MININT
    let minint = app.org("MININT").await; // a ministry (interministerial record)
    let dnum = app.org("MININT-DNUM").await;
    let mef = app.org("MEF").await;
    let admin = cosinum_store::users::get_by_email(&app.db, ADMIN)
        .await
        .expect("admin");
    let get = |path: String, expect: Expect| ApiCase {
        method: Method::GET,
        path,
        body: None,
        expect,
    };
    vec![
        get("/api/v1/me".into(), [401, 200, 200, 200, 200, 200]),
        get(
            "/api/v1/organisations".into(),
            [401, 200, 200, 200, 200, 200],
        ),
        get(
            format!("/api/v1/organisations/{}", dnum.id),
            [401, 200, 200, 200, 200, 200],
        ),
        get(
            format!("/api/v1/history/organisation/{}", ants.id),
            [401, 200, 200, 200, 200, 200],
        ),
        get("/api/v1/users".into(), [401, 200, 403, 403, 403, 403]),
        get(
            "/api/v1/access-requests".into(),
            [401, 200, 403, 403, 403, 403],
        ),
        get(
            format!("/api/v1/users/{}", admin.id),
            [401, 200, 403, 403, 403, 403],
        ),
        get(
            format!("/api/v1/history/user/{}", admin.id),
            [401, 200, 403, 403, 403, 403],
        ),
        // The committee's documents: every signed-in user reads them.
        get("/api/v1/committee".into(), [401, 200, 200, 200, 200, 200]),
        get(
            "/api/v1/committee/sessions".into(),
            [401, 200, 200, 200, 200, 200],
        ),
        get(
            "/api/v1/committee/decisions".into(),
            [401, 200, 200, 200, 200, 200],
        ),
        // Every module's lists: every signed-in user, each seeing what the
        // policy lets them (the lists filter; tested per module).
        get("/api/v1/projects".into(), [401, 200, 200, 200, 200, 200]),
        get("/api/v1/avis".into(), [401, 200, 200, 200, 200, 200]),
        get("/api/v1/demarches".into(), [401, 200, 200, 200, 200, 200]),
        get(
            "/api/v1/cloud/applications".into(),
            [401, 200, 200, 200, 200, 200],
        ),
        get(
            "/api/v1/funding/applications".into(),
            [401, 200, 200, 200, 200, 200],
        ),
        get("/api/v1/reuse/plans".into(), [401, 200, 200, 200, 200, 200]),
        get("/api/v1/campaigns".into(), [401, 200, 200, 200, 200, 200]),
        get("/api/v1/notifications".into(), [401, 200, 200, 200, 200, 200]),
        ApiCase {
            method: Method::POST,
            path: "/api/v1/campaigns/notices/dispatch".into(),
            body: None,
            expect: [401, 200, 200, 403, 403, 403],
        },
        get(
            "/api/v1/talents/returns".into(),
            [401, 200, 200, 200, 200, 200],
        ),
        // Publication: the DINUM's desk; open data for everyone.
        get(
            "/api/v1/publication/releases".into(),
            [401, 200, 200, 403, 403, 403],
        ),
        get(
            "/api/v1/publication/panorama/rules".into(),
            [401, 200, 200, 403, 403, 403],
        ),
        get(
            "/api/v1/public/releases".into(),
            [200, 200, 200, 200, 200, 200],
        ),
        // Its chair and members: the DINUM and administrators.
        ApiCase {
            method: Method::PUT,
            path: "/api/v1/committee".into(),
            body: Some(
                json!({"chair_title": "Secrétaire générale du Gouvernement", "chair_email": null, "members": []}),
            ),
            expect: [401, 200, 200, 403, 403, 403],
        },
        // A direction of MININT: its editors, the DINUM and admins may change it.
        ApiCase {
            method: Method::PUT,
            path: format!("/api/v1/organisations/{}", ants.id),
            body: Some(
                json!({"code": "ANTS", "name": "France Titres", "kind": "operator", "parent_id": minint.id.0}),
            ),
            expect: [401, 200, 200, 200, 403, 403],
        },
        // A ministry itself: only the DINUM and admins.
        ApiCase {
            method: Method::PUT,
            path: format!("/api/v1/organisations/{}", minint.id),
            body: Some(
                json!({"code": "MININT", "name": "Ministère de l'Intérieur et des Outre-mer", "kind": "ministry", "parent_id": null}),
            ),
            expect: [401, 200, 200, 403, 403, 403],
        },
        // A new direction under MEF: MEF's editor, not MININT's.
        ApiCase {
            method: Method::POST,
            path: "/api/v1/organisations".into(),
            body: Some(
                json!({"name": "Nouvelle direction", "kind": "direction", "parent_id": mef.id.0}),
            ),
            expect: [401, 201, 201, 403, 403, 201],
        },
        ApiCase {
            method: Method::POST,
            path: "/api/v1/users".into(),
            body: Some(
                json!({"display_name": "Nouvel agent", "role": "ministry_reader", "organisation_id": mef.id.0, "password": "un mot de passe solide"}),
            ),
            expect: [401, 201, 403, 403, 403, 403],
        },
    ]
    .into_iter()
    .chain(module_items(app, minint.id, mef.id).await)
    .collect()
}

/// One object of MININT and one of MEF per module: their ministry's users,
/// the DINUM and administrators read it; the other ministry's users do not.
/// Every module answers them 404, so that another ministry cannot even learn
/// the object exists.
async fn module_items(
    app: &TestApp,
    minint: cosinum_domain::OrgId,
    mef: cosinum_domain::OrgId,
) -> Vec<ApiCase> {
    const MININT_OBJECT: Expect = [401, 200, 200, 200, 200, 404];
    const MEF_OBJECT: Expect = [401, 200, 200, 404, 404, 200];
    let db = &app.db;
    let first = |what: &str, ids: Vec<(cosinum_domain::OrgId, i64)>, org| {
        ids.into_iter()
            .find(|(o, _)| *o == org)
            .map(|(_, id)| id)
            .unwrap_or_else(|| panic!("a demo {what} of organisation {org:?}"))
    };
    let projects: Vec<_> = cosinum_store::projects::list(db, false)
        .await
        .expect("projects")
        .into_iter()
        .map(|p| (p.organisation_id, p.id))
        .collect();
    let demarches: Vec<_> = cosinum_store::demarches::list(db)
        .await
        .expect("démarches")
        .into_iter()
        .map(|d| (d.organisation_id, d.id))
        .collect();
    let apps: Vec<_> = cosinum_store::cloud::applications(db)
        .await
        .expect("applications")
        .into_iter()
        .map(|a| (a.organisation_id, a.id))
        .collect();
    let funding: Vec<_> = cosinum_store::funding::applications::list(db)
        .await
        .expect("funding applications")
        .into_iter()
        .map(|a| (a.fields.organisation_id, a.id))
        .collect();
    let plans: Vec<_> = cosinum_store::plans::plans(db)
        .await
        .expect("plans")
        .into_iter()
        .map(|p| (p.organisation_id, p.id))
        .collect();
    let mut cases = Vec::new();
    for (what, base, ids) in [
        ("project", "/api/v1/projects", projects),
        ("démarche", "/api/v1/demarches", demarches),
        ("application", "/api/v1/cloud/applications", apps),
        (
            "funding application",
            "/api/v1/funding/applications",
            funding,
        ),
        ("investment plan", "/api/v1/reuse/plans", plans),
    ] {
        for (org, expect) in [(minint, MININT_OBJECT), (mef, MEF_OBJECT)] {
            cases.push(ApiCase {
                method: Method::GET,
                path: format!("{base}/{}", first(what, ids.clone(), org)),
                body: None,
                expect,
            });
        }
    }
    cases
}

async fn api_matrix(app: &TestApp) {
    let mut tokens = Vec::new();
    for who in EVERYONE {
        tokens.push(match who.email() {
            Some(e) => Some(app.token(e, false).await),
            None => None,
        });
    }
    let client = app.client();
    let mut failures = Vec::new();
    for case in api_cases(app).await {
        for (i, who) in EVERYONE.iter().enumerate() {
            let mut body = case.body.clone();
            if let Some(Value::Object(map)) = body.as_mut() {
                // Unique values per caller; the version as read right now.
                if case.path == "/api/v1/committee" {
                    // Unversioned: the committee's composition is replaced as a whole.
                } else if case.method == Method::PUT {
                    let code = map["code"].as_str().unwrap_or_default().to_owned();
                    map.insert("version".into(), json!(current_version(app, &code).await));
                } else if map.contains_key("kind") {
                    map.insert("code".into(), json!(format!("MEF-NEW-{i}")));
                } else {
                    map.insert("email".into(), json!(format!("agent{i}@finances.gouv.fr")));
                }
            }
            let mut req = client.request(case.method.clone(), app.url(&case.path));
            if let Some(t) = &tokens[i] {
                req = req.bearer_auth(t);
            }
            if let Some(b) = &body {
                req = req.json(b);
            }
            let res = req.send().await.expect("request");
            let status = res.status().as_u16();
            if status != case.expect[i] {
                failures.push(format!(
                    "{} {} as {who:?}: {status}, expected {}",
                    case.method, case.path, case.expect[i]
                ));
            }
            if status >= 400 {
                let body: Value = res.json().await.unwrap_or(Value::Null);
                assert!(
                    body["code"].is_string() && body["message"].is_string(),
                    "error body {body}"
                );
            }
        }
    }
    assert!(
        failures.is_empty(),
        "authorisation matrix (API):\n{}",
        failures.join("\n")
    );
    // What was refused left no trace: only allowed callers appear in ANTS's history.
    let ants = app.org("ANTS").await;
    let history = cosinum_store::audit::history(&app.db, "organisation", ants.id.0)
        .await
        .expect("history");
    for entry in &history {
        assert!(
            !entry.actor_label.contains(READER_MININT) && !entry.actor_label.contains(EDITOR_MEF),
            "{entry:?}"
        );
    }
    assert_eq!(history.len(), 1 + 3, "creation + three allowed updates");
}
dual_test!(api_matrix);

/// Pages: (method, path, expected per caller). Anonymous visitors are sent to sign in (303).
async fn page_matrix(app: &TestApp) {
    let ants = app.org("ANTS").await;
    let minint = app.org("MININT").await;
    let admin = cosinum_store::users::get_by_email(&app.db, ADMIN)
        .await
        .expect("admin");
    let gets: Vec<(String, Expect)> = vec![
        ("/".into(), [200, 200, 200, 200, 200, 200]),
        ("/accessibilite".into(), [200, 200, 200, 200, 200, 200]),
        ("/compte".into(), [303, 200, 200, 200, 200, 200]),
        ("/organisations".into(), [303, 200, 200, 200, 200, 200]),
        (
            format!("/organisations/{}", ants.id),
            [303, 200, 200, 200, 200, 200],
        ),
        (
            format!("/organisations/{}/modifier", ants.id),
            [303, 200, 200, 200, 403, 403],
        ),
        (
            format!("/organisations/{}/modifier", minint.id),
            [303, 200, 200, 403, 403, 403],
        ),
        (
            "/organisations/nouvelle".into(),
            [303, 200, 200, 200, 403, 200],
        ),
        (
            format!("/historique/organisation/{}", ants.id),
            [303, 200, 200, 200, 200, 200],
        ),
        ("/comite".into(), [303, 200, 200, 200, 200, 200]),
        // Every module's dashboard: signed-in users, each seeing their scope.
        ("/projets".into(), [303, 200, 200, 200, 200, 200]),
        ("/demarches".into(), [303, 200, 200, 200, 200, 200]),
        ("/financements".into(), [303, 200, 200, 200, 200, 200]),
        ("/hebergement".into(), [303, 200, 200, 200, 200, 200]),
        ("/talents".into(), [303, 200, 200, 200, 200, 200]),
        ("/reutilisation".into(), [303, 200, 200, 200, 200, 200]),
        ("/publication".into(), [303, 200, 200, 403, 403, 403]),
        ("/donnees".into(), [200, 200, 200, 200, 200, 200]),
        ("/donnees/panorama".into(), [200, 200, 200, 200, 200, 200]),
        (
            "/donnees/observatoire".into(),
            [200, 200, 200, 200, 200, 200],
        ),
        ("/comite/actions".into(), [303, 200, 200, 200, 200, 200]),
        ("/comite/decisions".into(), [303, 200, 200, 200, 200, 200]),
        ("/admin/utilisateurs".into(), [303, 200, 403, 403, 403, 403]),
        ("/admin/acces".into(), [303, 200, 403, 403, 403, 403]),
        (
            "/admin/utilisateurs/nouveau".into(),
            [303, 200, 403, 403, 403, 403],
        ),
        (
            format!("/admin/utilisateurs/{}/modifier", admin.id),
            [303, 200, 403, 403, 403, 403],
        ),
        (
            format!("/historique/user/{}", admin.id),
            [303, 200, 403, 403, 403, 403],
        ),
        (
            "/page-qui-n-existe-pas".into(),
            [404, 404, 404, 404, 404, 404],
        ),
    ];
    let mut failures = Vec::new();
    for (i, who) in EVERYONE.iter().enumerate() {
        let (client, csrf) = match who.email() {
            Some(e) => app.login(e).await,
            None => (app.client(), String::new()),
        };
        for (path, expect) in &gets {
            let status = app.status(&client, path).await.as_u16();
            if status != expect[i] {
                failures.push(format!(
                    "GET {path} as {who:?}: {status}, expected {}",
                    expect[i]
                ));
            }
        }
        // Editing MININT's operator through the form: MEF's editor and readers are refused.
        let version = app.org("ANTS").await.version;
        let form = [
            ("csrf_token", csrf.clone()),
            ("version", version.to_string()),
            ("code", "ANTS".into()),
            ("name", format!("France Titres ({who:?})")),
            ("kind", "operator".into()),
            ("parent_id", minint.id.0.to_string()),
            ("valid_from", "2007-02-22".into()),
            ("valid_to", String::new()),
        ];
        let status = client
            .post(app.url(&format!("/organisations/{}/modifier", ants.id)))
            .form(&form)
            .send()
            .await
            .expect("post")
            .status();
        let expected = match who {
            Who::Admin | Who::Steering | Who::EditorMinint => StatusCode::SEE_OTHER,
            // Anonymous: no session, so no valid CSRF token either.
            Who::Anonymous | Who::ReaderMinint | Who::EditorMef => StatusCode::FORBIDDEN,
        };
        if status != expected {
            failures.push(format!(
                "POST edit ANTS as {who:?}: {status}, expected {expected}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "authorisation matrix (pages):\n{}",
        failures.join("\n")
    );
    let name = app.org("ANTS").await.name;
    assert_eq!(
        name, "France Titres (EditorMinint)",
        "the last allowed edit wins, refused ones change nothing"
    );
}
dual_test!(page_matrix);
