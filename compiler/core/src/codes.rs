//! The registry of diagnostic codes. Each code's long text lives in `codes/<CODE>.md`
//! and is printed by `meshc explain <CODE>`; a test checks that they agree.

pub struct CodeInfo {
    pub code: &'static str,
    /// The whole Markdown text; its first line is `# CODE: title`.
    pub explanation: &'static str,
}

impl CodeInfo {
    pub fn title(&self) -> &'static str {
        let first = self.explanation.lines().next().unwrap_or_default();
        first.split_once(": ").map_or(first, |(_, title)| title)
    }
}

macro_rules! registry {
    ($($code:ident),* $(,)?) => {
        pub const ALL: &[CodeInfo] = &[
            $(CodeInfo { code: stringify!($code), explanation: include_str!(concat!("../codes/", stringify!($code), ".md")) },)*
        ];
    };
}

registry! {
    E0001,
}

pub fn lookup(code: &str) -> Option<&'static CodeInfo> {
    ALL.iter().find(|info| info.code.eq_ignore_ascii_case(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_text_headed_by_its_code() {
        for info in ALL {
            let heading = format!("# {}: ", info.code);
            assert!(info.explanation.starts_with(&heading), "{} text must start with `{heading}`", info.code);
            assert!(info.explanation.lines().count() > 3, "{} needs a real explanation", info.code);
        }
    }

    #[test]
    fn codes_are_unique_and_sorted() {
        for pair in ALL.windows(2) {
            assert!(pair[0].code < pair[1].code, "{} must come before {}", pair[0].code, pair[1].code);
        }
    }
}
