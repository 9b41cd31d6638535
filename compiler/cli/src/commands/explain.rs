//! `meshc explain CODE`: print the long Markdown explanation of a diagnostic code.

use meshc_core::codes;

use crate::error::Fatal;
use crate::Outcome;
use meshc_core::suggest::did_you_mean;

#[derive(clap::Args)]
pub struct Args {
    /// A diagnostic code such as `E0001` (case does not matter).
    #[arg(required_unless_present = "list")]
    code: Option<String>,

    /// List every code with its title instead.
    #[arg(long, conflicts_with = "code")]
    list: bool,
}

pub fn run(args: &Args) -> Result<Outcome, Fatal> {
    let text = match &args.code {
        Some(code) => explanation(code)?,
        None => list(),
    };
    crate::stdout::print(&text)?;
    Ok(Outcome::Success)
}

fn explanation(code: &str) -> Result<String, Fatal> {
    let info = codes::lookup(code.trim()).ok_or_else(|| {
        let error = Fatal::new(format!("unknown diagnostic code `{code}`"));
        match did_you_mean(code.trim(), codes::ALL.iter().map(|info| info.code)) {
            Some(near) => error.with_help(format!("did you mean `{near}`?")),
            None => error.with_help("run `meshc explain --list` to see every code"),
        }
    })?;
    let mut text = info.explanation.to_string();
    if !text.ends_with('\n') {
        text.push('\n');
    }
    Ok(text)
}

fn list() -> String {
    codes::ALL.iter().map(|info| format!("{}  {}\n", info.code, info.title())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explains_known_codes_in_any_case() {
        let text = explanation("e0001").expect("known code");
        assert!(text.starts_with("# E0001: "));
        assert!(list().starts_with("E0001  "));
    }

    #[test]
    fn unknown_codes_suggest_a_near_one_or_the_list() {
        let error = explanation("E0010").expect_err("unknown");
        assert_eq!(error.help, ["did you mean `E0001`?"]);
        let error = explanation("E9999").expect_err("unknown");
        assert_eq!(error.message, "unknown diagnostic code `E9999`");
        assert_eq!(error.help, ["run `meshc explain --list` to see every code"]);
    }
}
