//! The fixed words the checker accepts after a keyword (enum values, setting names, types),
//! exposed read-only so editors can offer them. The lists are the checker's own constants,
//! so what an editor proposes is exactly what the checker accepts.

use super::{environments, policies, routes, services, sidecars};

/// A set of words that may follow one keyword.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Words {
    /// The keyword (or setting name) after which the words stand, e.g. `balance`.
    pub after: &'static str,
    /// What the words are, for people: "load balancer".
    pub what: &'static str,
    pub words: &'static [&'static str],
}

/// Every keyword or setting that takes a word from a fixed set.
pub const WORDS: &[Words] = &[
    Words { after: "balance", what: "load balancer", words: services::BALANCERS },
    Words { after: "h2_upgrade", what: "HTTP/2 upgrade policy", words: services::H2_UPGRADE },
    Words { after: "tls", what: "TLS mode", words: services::TLS_MODES },
    Words { after: "resolution", what: "resolution", words: services::RESOLUTIONS },
    Words { after: "location", what: "location", words: services::LOCATIONS },
    Words { after: "pool", what: "pool setting", words: services::POOL_SETTINGS },
    Words { after: "eject", what: "eject setting", words: services::EJECT_SETTINGS },
    Words { after: "mtls", what: "mTLS mode", words: policies::MTLS_MODES },
    Words { after: "outbound", what: "outbound policy", words: sidecars::OUTBOUND_POLICIES },
    Words { after: "scheme", what: "scheme", words: routes::SCHEMES },
    Words { after: "method", what: "HTTP method", words: routes::HTTP_METHODS },
    Words { after: "cors", what: "cors setting", words: routes::CORS_SETTINGS },
];

/// `provider NAME KIND`: the provider kinds.
pub const PROVIDER_KINDS: Words = Words { after: "provider", what: "provider kind", words: services::PROVIDER_KINDS };

/// `retry … on CONDITION, …`: the retry conditions.
pub const RETRY_CONDITIONS: Words = Words { after: "on", what: "retry condition", words: routes::RETRY_ON };

/// `name: TYPE` in `defaults`: the value types.
pub const VALUE_TYPES: Words = Words { after: ":", what: "value type", words: environments::TYPES };

/// The words that may follow `keyword`, if it takes a word from a fixed set.
pub fn words_after(keyword: &str) -> Option<&'static Words> {
    WORDS.iter().find(|w| w.after == keyword)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_list_is_non_empty_and_keys_are_unique() {
        for (i, words) in WORDS.iter().enumerate() {
            assert!(!words.words.is_empty(), "{}", words.after);
            assert!(WORDS[..i].iter().all(|w| w.after != words.after), "{} twice", words.after);
        }
        assert_eq!(words_after("balance").map(|w| w.what), Some("load balancer"));
        assert!(words_after("service").is_none());
    }
}
