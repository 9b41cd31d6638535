//! "Did you mean" for names typed on the command line (environments, diagnostic codes).

/// The candidate closest to `typed`, if it is close enough to be a likely typo: at most one
/// edit (a transposition counts as one) per three characters, and at least one.
/// Comparison ignores ASCII case; ties go to the earliest candidate.
pub fn did_you_mean<'a>(
    typed: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let typed = typed.to_ascii_lowercase();
    let limit = (typed.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|candidate| {
            (
                strsim::osa_distance(&typed, &candidate.to_ascii_lowercase()),
                candidate,
            )
        })
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::did_you_mean;

    #[test]
    fn finds_near_names_only() {
        let envs = ["dev", "staging", "prod"];
        assert_eq!(did_you_mean("prd", envs), Some("prod"));
        assert_eq!(did_you_mean("Stagnig", envs), Some("staging"));
        assert_eq!(did_you_mean("qa", envs), None);
        assert_eq!(did_you_mean("E0010", ["E0001", "E0101"]), Some("E0001"));
        assert_eq!(did_you_mean("E9999", ["E0001", "E0101"]), None);
    }
}
