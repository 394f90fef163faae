use cosinum_domain::committee::fiche::{Bar, Chart, Unit};

fn chart() -> Chart {
    Chart {
        title: "Coût par ministère <T&A>".into(),
        unit: Unit::Meur,
        bars: vec![
            Bar {
                label: "Armées".into(),
                value: 1_250.0,
            },
            Bar {
                label: "Justice & \"libertés\"".into(),
                value: 120.5,
            },
            Bar {
                label: "Recettes négatives".into(),
                value: -3.0,
            },
        ],
    }
}

/// Parses `xml`, which fails on any malformed markup or undeclared
/// namespace prefix.
pub(super) fn assert_well_formed(xml: &str) {
    if let Err(e) = roxmltree::Document::parse(xml) {
        panic!("malformed XML: {e}");
    }
}

#[test]
fn one_bar_per_value_with_escaped_text() {
    let svg = crate::chart_svg(&chart());
    assert_well_formed(&svg);
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 "));
    assert!(svg.contains(r#"role="img""#));
    assert!(svg.contains("<title>Coût par ministère &lt;T&amp;A&gt;</title>"));
    assert_eq!(svg.matches("<rect").count(), 3);
    assert!(svg.contains(">Justice &amp; &quot;libertés&quot;</text>"));
    assert!(svg.contains(">1\u{202f}250,0 M€</text>"));
    assert!(svg.contains(">-3,0 M€</text>"));
    assert!(!svg.contains("<T&A>"));
    // The longest bar spans the full length, a negative one draws nothing.
    assert!(svg.contains(r#"width="330.0""#));
    assert!(svg.contains(r#"width="0.0""#));
}

#[test]
fn an_empty_chart_says_so() {
    let svg = crate::chart_svg(&Chart {
        bars: vec![],
        ..chart()
    });
    assert_well_formed(&svg);
    assert!(svg.contains("Aucune donnée"));
    assert_eq!(svg.matches("<rect").count(), 0);
}
