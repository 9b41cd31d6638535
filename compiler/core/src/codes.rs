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
    E0101,
    E0102,
    E0103,
    E0104,
    E0105,
    E0106,
    E0107,
    E0108,
    E0109,
    E0110,
    E0111,
    E0112,
    E0113,
    E0201,
    E0202,
    E0203,
    E0204,
    E0205,
    E0206,
    E0207,
    E0210,
    E0211,
    E0212,
    E0213,
    E0301,
    E0302,
    E0304,
    E0305,
    E0306,
    E0307,
    E0308,
    E0309,
    E0401,
    E0402,
    E0403,
    E0404,
    E0405,
    E0406,
    E0407,
    E0408,
    E0409,
    E0410,
    E0501,
    E0601,
    E0602,
    E0603,
    E0604,
    E0605,
    E0606,
    E0701,
    E0702,
    E0703,
    E0704,
    W0101,
    W0102,
    W0103,
    W0104,
    W0201,
    W0202,
    W0203,
    W0204,
    W0301,
    W0302,
    W0303,
    W0304,
    W0305,
    W0306,
    W0307,
    W0308,
    W0309,
    W0310,
    W0601,
    W0602,
    W0603,
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
