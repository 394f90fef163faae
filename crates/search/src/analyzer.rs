//! The French analyzer: words, long tokens dropped, lower case, French stop
//! words (before folding, so "à", "été" match their list), accents folded,
//! French stemming.

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    StopWordFilter, TextAnalyzer, TokenStream,
};

pub const NAME: &str = "fr";

pub fn french() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(StopWordFilter::new(Language::French).expect("French stop words are built in"))
        .filter(AsciiFoldingFilter)
        .filter(Stemmer::new(Language::French))
        .build()
}

/// Each analyzed term of `text` with the word it came from (as written).
pub fn terms(text: &str) -> Vec<(String, String)> {
    let mut analyzer = french();
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        let t = stream.token();
        let word = text
            .get(t.offset_from..t.offset_to)
            .unwrap_or_default()
            .to_owned();
        out.push((t.text.clone(), word));
    }
    out
}
