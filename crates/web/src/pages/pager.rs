//! Pagination of long tables (DSFR `fr-pagination`).
//!
//! A State has ~20 ministries and a few hundred lines per table, which fit on
//! one page; a portfolio a hundred times larger does not (thousands of rows,
//! megabytes of HTML rendered and sent for each request). Each long table
//! shows one page of [`PER_PAGE`] rows; the pager reads its own query
//! parameter so that several tables of one page turn independently, and keeps
//! every other parameter (filters, sort, date) in its links.

use std::fmt::{self, Write};
use std::ops::Range;

use crate::charts::esc;

/// Rows per page of a long table.
pub(crate) const PER_PAGE: usize = 50;

/// One table's page: which rows to show and the links to the others.
pub(crate) struct Pager {
    /// The query parameter holding the page number (1-based).
    param: &'static str,
    /// The page's path, e.g. `/projets`.
    path: &'static str,
    /// The fragment the links jump to (the table's heading), without `#`.
    anchor: &'static str,
    /// What the table lists, for the navigation's accessible name.
    label: &'static str,
    /// The other query parameters, URL-encoded, kept in every link.
    others: String,
    page: usize,
    pages: usize,
    total: usize,
    per_page: usize,
}

impl Pager {
    /// The pager of a table of `total` rows, on the page named by `param`
    /// in `raw_query` (the first page when absent, invalid or past the end).
    pub(crate) fn new(
        raw_query: Option<&str>,
        param: &'static str,
        path: &'static str,
        anchor: &'static str,
        label: &'static str,
        total: usize,
    ) -> Pager {
        Pager::with_size(raw_query, param, path, anchor, label, total, PER_PAGE)
    }

    pub(crate) fn with_size(
        raw_query: Option<&str>,
        param: &'static str,
        path: &'static str,
        anchor: &'static str,
        label: &'static str,
        total: usize,
        per_page: usize,
    ) -> Pager {
        let per_page = per_page.max(1);
        let pages = total.div_ceil(per_page).max(1);
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(raw_query.unwrap_or("")).unwrap_or_default();
        let requested = pairs
            .iter()
            .find(|(k, _)| k == param)
            .and_then(|(_, v)| v.trim().parse::<usize>().ok())
            .unwrap_or(1);
        let others: Vec<&(String, String)> = pairs
            .iter()
            .filter(|(k, v)| k != param && !v.is_empty())
            .collect();
        Pager {
            param,
            path,
            anchor,
            label,
            others: serde_urlencoded::to_string(others).unwrap_or_default(),
            page: requested.clamp(1, pages),
            pages,
            total,
            per_page,
        }
    }

    /// The rows of the current page, as indices into the whole table.
    pub(crate) fn range(&self) -> Range<usize> {
        let start = (self.page - 1) * self.per_page;
        start.min(self.total)..(start + self.per_page).min(self.total)
    }

    /// Keeps the current page's rows of `rows` (the whole table).
    pub(crate) fn take<T>(&self, rows: Vec<T>) -> Vec<T> {
        let r = self.range();
        rows.into_iter().skip(r.start).take(r.len()).collect()
    }

    /// Whether another page than the first is shown (a folded table holding
    /// it is then shown unfolded).
    pub(crate) fn turned(&self) -> bool {
        self.page > 1
    }

    pub(crate) fn total(&self) -> usize {
        self.total
    }

    /// "lignes 51 à 100 sur 5 000", or nothing when the table fits on one page.
    pub(crate) fn position(&self) -> String {
        if self.pages <= 1 {
            return String::new();
        }
        let r = self.range();
        format!(
            " — lignes {} à {} sur {}",
            r.start + 1,
            r.end,
            crate::format::number(self.total as f64, 0)
        )
    }

    fn href(&self, page: usize) -> String {
        let mut q = self.others.clone();
        if page > 1 {
            if !q.is_empty() {
                q.push('&');
            }
            let _ = write!(q, "{}={page}", self.param);
        }
        let mut out = self.path.to_string();
        if !q.is_empty() {
            out.push('?');
            out.push_str(&q);
        }
        if !self.anchor.is_empty() {
            out.push('#');
            out.push_str(self.anchor);
        }
        out
    }

    /// The page numbers to show: the first, the last, and two either side
    /// of the current one; `None` stands for the elided ones.
    fn numbers(&self) -> Vec<Option<usize>> {
        let mut out: Vec<Option<usize>> = Vec::new();
        for n in 1..=self.pages {
            let near = n.abs_diff(self.page) <= 2;
            if n == 1 || n == self.pages || near {
                out.push(Some(n));
            } else if out.last().is_some_and(Option::is_some) {
                out.push(None);
            }
        }
        out
    }

    fn link(
        &self,
        f: &mut fmt::Formatter<'_>,
        class: &str,
        target: Option<usize>,
        text: &str,
    ) -> fmt::Result {
        match target {
            Some(n) => write!(
                f,
                r#"<li><a class="fr-pagination__link {class}" href="{}">{text}</a></li>"#,
                esc(&self.href(n))
            ),
            None => write!(
                f,
                r#"<li><a class="fr-pagination__link {class}" aria-disabled="true" role="link">{text}</a></li>"#
            ),
        }
    }
}

/// The DSFR pagination, or nothing when the table fits on one page.
impl fmt::Display for Pager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.pages <= 1 {
            return Ok(());
        }
        let (first, prev) = if self.page > 1 {
            (Some(1), Some(self.page - 1))
        } else {
            (None, None)
        };
        let (next, last) = if self.page < self.pages {
            (Some(self.page + 1), Some(self.pages))
        } else {
            (None, None)
        };
        write!(
            f,
            r#"<nav role="navigation" class="fr-pagination" aria-label="Pagination : {}"><ul class="fr-pagination__list">"#,
            esc(self.label)
        )?;
        self.link(f, "fr-pagination__link--first", first, "Première page")?;
        self.link(
            f,
            "fr-pagination__link--prev fr-pagination__link--lg-label",
            prev,
            "Page précédente",
        )?;
        for n in self.numbers() {
            match n {
                Some(n) if n == self.page => write!(
                    f,
                    r#"<li><a class="fr-pagination__link" aria-current="page" title="Page {n}">{n}</a></li>"#
                )?,
                Some(n) => write!(
                    f,
                    r#"<li><a class="fr-pagination__link" href="{}" title="Page {n}">{n}</a></li>"#,
                    esc(&self.href(n))
                )?,
                None => {
                    f.write_str(r#"<li><a class="fr-pagination__link fr-displayed-lg">…</a></li>"#)?
                }
            }
        }
        self.link(
            f,
            "fr-pagination__link--next fr-pagination__link--lg-label",
            next,
            "Page suivante",
        )?;
        self.link(f, "fr-pagination__link--last", last, "Dernière page")?;
        f.write_str("</ul></nav>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pager(q: &str, total: usize) -> Pager {
        Pager::with_size(Some(q), "page", "/projets", "liste", "projets", total, 10)
    }

    #[test]
    fn one_page_shows_everything_and_no_navigation() {
        let p = pager("", 7);
        assert_eq!(p.range(), 0..7);
        assert_eq!(p.to_string(), "");
        assert_eq!(p.position(), "");
        let empty = pager("page=3", 0);
        assert_eq!(empty.range(), 0..0);
    }

    #[test]
    fn a_page_is_its_slice_and_out_of_range_pages_are_clamped() {
        assert_eq!(pager("page=2", 25).range(), 10..20);
        assert_eq!(pager("page=3", 25).range(), 20..25);
        assert_eq!(pager("page=9", 25).range(), 20..25);
        assert_eq!(pager("page=0", 25).range(), 0..10);
        assert_eq!(pager("page=abc", 25).range(), 0..10);
        assert_eq!(
            pager("page=2", 25).take((0..25).collect()),
            (10..20).collect::<Vec<_>>()
        );
        assert_eq!(pager("page=2", 25).position(), " — lignes 11 à 20 sur 25");
    }

    #[test]
    fn links_keep_the_other_parameters_and_turn_only_their_own() {
        let p = pager("ministere=MIN%26X&tri=cout&page=2&vide=&autre=4", 95);
        let html = p.to_string();
        assert!(
            html.contains(r#"href="/projets?ministere=MIN%26X&amp;tri=cout&amp;autre=4#liste""#),
            "{html}"
        );
        assert!(
            html.contains(
                r#"href="/projets?ministere=MIN%26X&amp;tri=cout&amp;autre=4&amp;page=3#liste""#
            ),
            "{html}"
        );
        assert!(html.contains(r#"aria-current="page" title="Page 2""#));
        assert!(!html.contains("vide="));
    }

    #[test]
    fn far_pages_are_elided_and_the_ends_disabled() {
        let first = pager("", 1000);
        let numbers: Vec<Option<usize>> = first.numbers();
        assert_eq!(numbers, vec![Some(1), Some(2), Some(3), None, Some(100)]);
        let html = first.to_string();
        assert!(html.contains(r#"fr-pagination__link--first" aria-disabled="true""#));
        assert!(html.contains("page=100#liste"));
        let middle = pager("page=50", 1000);
        assert_eq!(
            middle.numbers(),
            vec![
                Some(1),
                None,
                Some(48),
                Some(49),
                Some(50),
                Some(51),
                Some(52),
                None,
                Some(100)
            ]
        );
        let last = pager("page=100", 1000).to_string();
        assert!(last.contains(r#"fr-pagination__link--last" aria-disabled="true""#));
    }
}
