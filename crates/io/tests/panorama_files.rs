//! The real Panorama raw files (shared/data/panorama/raw, never copied into
//! the repository). Expected figures are computed here independently of the
//! code under test (csv / calamine read directly, simple column lookup), and
//! also pinned as literals so a silent change in the data shows up too.

// Helpers outside #[test] fns unwrap too: a panic is the failure report.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use calamine::{Data, Reader};
use cosinum_domain::money::Euros;
use cosinum_domain::projects::Phase;
use cosinum_io::{PanoramaFile, read_panorama};
use time::macros::date;
use time::{Date, Duration};

fn raw_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/panorama/raw");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "SKIPPED: Panorama raw files not found at {} (shared data directory absent)",
            dir.display()
        );
        None
    }
}

fn raw_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("csv" | "xlsx")))
        .collect();
    files.sort();
    files
}

fn read(dir: &Path, prefix: &str) -> PanoramaFile {
    let path = raw_files(dir)
        .into_iter()
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with(prefix))
        .unwrap_or_else(|| panic!("no raw file starting with {prefix}"));
    read_panorama(&path).unwrap_or_else(|e| panic!("{e}"))
}

/// Independent figures: projects, "Oui" count, Σ numeric costs (M€),
/// distinct publication dates.
#[derive(Debug)]
struct Expected {
    projects: usize,
    interministerial: usize,
    total_meur: f64,
    publication: BTreeSet<Date>,
}

fn parse_num(s: &str) -> Option<f64> {
    s.trim().replace(',', ".").parse::<f64>().ok()
}

fn serial(days: f64) -> Date {
    date!(1899 - 12 - 30) + Duration::days(days as i64)
}

fn expected_from_csv(path: &Path) -> Expected {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(path)
        .unwrap();
    let records: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    let header: Vec<&str> = records[0].iter().map(str::trim).collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (inter, cost, publ) = (
        col("Projet interministériel"),
        col("Coût estimé"),
        col("Date de publication"),
    );
    let rows: Vec<_> = records[1..]
        .iter()
        .filter(|r| r.iter().any(|f| !f.trim().is_empty()))
        .collect();
    Expected {
        projects: rows.len(),
        interministerial: rows.iter().filter(|r| &r[inter] == "Oui").count(),
        total_meur: rows.iter().filter_map(|r| parse_num(&r[cost])).sum(),
        publication: rows
            .iter()
            .map(|r| {
                let p: Vec<i32> = r[publ].split('-').map(|x| x.parse().unwrap()).collect();
                let month = time::Month::try_from(p[1] as u8).unwrap();
                Date::from_calendar_date(p[0], month, p[2] as u8).unwrap()
            })
            .collect(),
    }
}

fn expected_from_xlsx(path: &Path) -> Expected {
    let mut book = calamine::open_workbook_auto(path).unwrap();
    let name = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&name).unwrap();
    let rows: Vec<&[Data]> = range.rows().collect();
    let header: Vec<String> = rows[0]
        .iter()
        .map(|c| c.to_string().trim().to_owned())
        .collect();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (inter, cost, publ) = (
        col("Projet interministériel"),
        col("Coût estimé"),
        col("Date de publication"),
    );
    let data: Vec<&[Data]> = rows[1..]
        .iter()
        .copied()
        .filter(|r| r.iter().any(|c| !c.to_string().trim().is_empty()))
        .collect();
    let number = |c: &Data| match c {
        Data::Float(f) => Some(*f),
        Data::Int(i) => Some(*i as f64),
        Data::DateTime(d) => Some(d.as_f64()),
        Data::String(s) => parse_num(s),
        _ => None,
    };
    Expected {
        projects: data.len(),
        interministerial: data
            .iter()
            .filter(|r| matches!(&r[inter], Data::String(s) if s == "Oui"))
            .count(),
        total_meur: data.iter().filter_map(|r| number(&r[cost])).sum(),
        publication: data
            .iter()
            .map(|r| serial(number(&r[publ]).unwrap()))
            .collect(),
    }
}

/// Every raw file parses and agrees with the independent reading and with
/// the figures pinned here (projects counts from SOURCE.txt).
#[test]
fn every_raw_file_matches_independent_figures() {
    let Some(dir) = raw_dir() else { return };
    // Publication 2018: the cell holds serial 43159, which Excel shows as
    // 2018-02-28 (format yyyy-mm-dd); SOURCE.txt's "43159 = 2018-03-01" is
    // off by one day.
    let pinned: [(&str, usize, usize, f64, Date); 7] = [
        (
            "2016-11_DISIC-panorama_4ba4069",
            57,
            18,
            2292.9,
            date!(2016 - 11 - 03),
        ),
        (
            "2016-11_pachevalier-tricky_707f76a",
            57,
            18,
            2292.9,
            date!(2016 - 11 - 03),
        ),
        (
            "2017-06_DISIC-panorama_1bba263",
            61,
            20,
            2561.1,
            date!(2017 - 06 - 01),
        ),
        (
            "2017-06_DISIC-panorama_c2eea27",
            61,
            20,
            2561.1,
            date!(2017 - 06 - 01),
        ),
        (
            "2018-03_DISIC-panorama_2ae0069",
            61,
            21,
            2826.28,
            date!(2018 - 02 - 28),
        ),
        (
            "2018-03_DISIC-panorama_ab55b63",
            61,
            21,
            2826.28,
            date!(2018 - 02 - 28),
        ),
        (
            "2018-03_DISIC-panorama_d594dda",
            61,
            21,
            2826.28,
            date!(2018 - 02 - 28),
        ),
    ];
    let files = raw_files(&dir);
    assert_eq!(files.len(), pinned.len(), "raw files: {files:?}");
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let parsed = read_panorama(&path).unwrap_or_else(|e| panic!("{e}"));
        let expected = if name.ends_with(".csv") {
            expected_from_csv(&path)
        } else {
            expected_from_xlsx(&path)
        };
        let total: Euros = parsed.rows.iter().filter_map(|r| r.cost).sum();
        assert_eq!(parsed.rows.len(), expected.projects, "{name}");
        assert_eq!(
            parsed.rows.iter().filter(|r| r.interministerial).count(),
            expected.interministerial,
            "{name}"
        );
        assert!(
            (total.meur() - expected.total_meur).abs() < 1e-4,
            "{name}: {} vs {}",
            total.meur(),
            expected.total_meur
        );
        assert_eq!(expected.publication.len(), 1, "{name}");
        assert_eq!(
            parsed.publication_date,
            expected.publication.first().copied(),
            "{name}"
        );

        let (_, projects, oui, meur, publication) = pinned
            .iter()
            .find(|(prefix, ..)| name.starts_with(prefix))
            .unwrap_or_else(|| panic!("unexpected raw file {name}"));
        assert_eq!(parsed.rows.len(), *projects, "{name}");
        assert_eq!(expected.interministerial, *oui, "{name}");
        assert_eq!(total, Euros::from_meur(*meur).unwrap(), "{name}");
        assert_eq!(parsed.publication_date, Some(*publication), "{name}");
        // Header = row 1, one project per row after it, no gap.
        let lines: Vec<usize> = parsed.rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, (2..2 + projects).collect::<Vec<_>>(), "{name}");
    }
}

#[test]
fn csv_and_xlsx_of_the_first_edition_agree() {
    let Some(dir) = raw_dir() else { return };
    let csv = read(&dir, "2016-11_DISIC");
    let xlsx = read(&dir, "2016-11_pachevalier");
    assert_eq!(csv.rows.len(), xlsx.rows.len());
    assert_eq!(csv.publication_date, xlsx.publication_date);
    for (c, x) in csv.rows.iter().zip(&xlsx.rows) {
        assert_eq!(c.name, x.name);
        assert_eq!(c.cost, x.cost, "{}", c.name);
        assert_eq!(c.start, x.start, "{}", c.name);
        assert_eq!(c.phase, x.phase, "{}", c.name);
        assert_eq!(c.interministerial, x.interministerial, "{}", c.name);
        assert_eq!(c.ministry_code, x.ministry_code, "{}", c.name);
        match (c.duration_years, x.duration_years) {
            (Some(a), Some(b)) => assert!((a - b).abs() < 1e-9, "{}", c.name),
            (a, b) => assert_eq!(a, b, "{}", c.name),
        }
    }
}

#[test]
fn first_edition_quirks() {
    let Some(dir) = raw_dir() else { return };
    let f = read(&dir, "2016-11_DISIC");
    let by_name = |n: &str| f.rows.iter().find(|r| r.name == n).unwrap();

    let fc = by_name("FRANCE CONNECT");
    assert_eq!((fc.line, fc.ministry_code.as_str()), (2, "SPM"));
    assert_eq!(fc.start, Some(date!(2013 - 07 - 01)));
    assert_eq!(fc.cost, Some(Euros(7_000_000)));
    assert_eq!(fc.phase, Some(Phase::Deploiement));
    assert_eq!(fc.cost_band_raw, "entre 5 et 9 M€");
    // Durations are day counts / 365: 3.7506849… years = 1369 days.
    let est = fc.estimate(f.publication_date.unwrap()).unwrap();
    assert_eq!(est.forecast_end, Some(date!(2017 - 03 - 31)));

    // No-break space before the colon and a double space, collapsed.
    by_name("Paysage : Modernisation iso fonctionnelle de PAY");
    by_name("SI-Samu (étape \"Construction & Pilote\")");

    let faeton = by_name("FAETON 2");
    assert_eq!(faeton.start, None);
    assert_eq!((faeton.cost, faeton.duration_years), (None, None));
    assert_eq!(faeton.phase, Some(Phase::Cadrage));
    assert!(!faeton.figures_withheld);
    let cadrage = f
        .rows
        .iter()
        .filter(|r| r.phase == Some(Phase::Cadrage))
        .count();
    assert_eq!(cadrage, 8);
    assert_eq!(f.rows.iter().filter(|r| r.cost.is_none()).count(), 8);
}

#[test]
fn june_2017_variants_and_multiline_cells() {
    let Some(dir) = raw_dir() else { return };
    let bis = read(&dir, "2017-06_DISIC-panorama_1bba263");
    let fin = read(&dir, "2017-06_DISIC-panorama_c2eea27");
    // Cells with line breaks: Elire sits on physical line 53 but is row 21.
    let elire = |f: &PanoramaFile| {
        f.rows
            .iter()
            .find(|r| r.name.starts_with("Elire"))
            .unwrap()
            .clone()
    };
    assert_eq!(elire(&fin).line, 21);
    assert_eq!(
        elire(&bis).funding,
        "Statistiques et études économiques (P220)"
    );
    assert_eq!(
        elire(&fin).funding,
        "Conduite et pilotage des politiques économiques et financières (P218)"
    );
    for (a, b) in bis.rows.iter().zip(&fin.rows) {
        assert_eq!((&a.name, a.cost, a.line), (&b.name, b.cost, b.line));
    }
    let ministries: BTreeSet<&str> = fin.rows.iter().map(|r| r.ministry_code.as_str()).collect();
    assert!(ministries.contains("MAr") && !ministries.contains("MINDEF"));
}

#[test]
fn march_2018_revisions() {
    let Some(dir) = raw_dir() else { return };
    let v1 = read(&dir, "2018-03_DISIC-panorama_2ae0069");
    let v2 = read(&dir, "2018-03_DISIC-panorama_ab55b63");
    let v3 = read(&dir, "2018-03_DISIC-panorama_d594dda");
    for ((a, b), c) in v1.rows.iter().zip(&v2.rows).zip(&v3.rows) {
        assert_eq!((&a.name, a.cost), (&b.name, b.cost));
        assert_eq!(b, c, "ab55b63 and d594dda hold the same values");
        assert_eq!(a.start, b.start, "serial vs dd/mm/yyyy text: {}", a.name);
    }
    let fc = &v3.rows[0];
    assert_eq!(fc.name, "FRANCE CONNECT PHASE II");
    assert_eq!((fc.cost, fc.duration_years), (None, None));
    assert_eq!(fc.phase, Some(Phase::Cadrage));
    assert_eq!(fc.start, Some(date!(2017 - 01 - 01)));
    let pnr = &v3.rows[1];
    // Decimal commas in text cells.
    assert_eq!(pnr.cost, Some(Euros(53_020_000)));
    assert!((pnr.duration_years.unwrap() - 6.8027397260274).abs() < 1e-12);
    assert_eq!(
        v3.rows
            .iter()
            .filter(|r| r.phase == Some(Phase::Termine))
            .count(),
        3
    );
    // A URL became "0" between revisions (empty formula source); placeholders
    // in the PAP column are not links.
    assert_eq!(v1.rows.iter().filter(|r| r.url.is_some()).count(), 22);
    assert_eq!(v3.rows.iter().filter(|r| r.url.is_some()).count(), 21);
    assert_eq!(v3.rows.iter().filter(|r| r.pap_url.is_none()).count(), 18);
    let codes: BTreeSet<&str> = v3.rows.iter().map(|r| r.ministry_code.as_str()).collect();
    assert!(codes.contains("MCAP") && codes.contains("MEF"));
}
