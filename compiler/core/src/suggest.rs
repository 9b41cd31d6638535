//! "Did you mean …?": the nearest candidate by edit distance, when it is near enough.

/// Names longer than this get no suggestion and are suggested for nothing: nobody mistypes
/// a 200-character name, and the distance table grows with the product of the lengths (two
/// megabyte names would need terabytes).
const LONGEST: usize = 128;

/// The candidate closest to `name`, if its distance is small for the name's length.
pub fn did_you_mean<'a, I>(name: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    if name.len() > LONGEST {
        return None;
    }
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .filter(|c| *c != name && c.len() <= LONGEST)
        .map(|c| (distance(&name.to_lowercase(), &c.to_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .min_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(b.1)))
        .map(|(_, c)| c)
}

/// Optimal string alignment distance (Levenshtein plus adjacent transpositions).
pub fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > 8 {
        return a.len().abs_diff(b.len());
    }
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_names_get_no_suggestion_and_cost_nothing() {
        let long = "a".repeat(1 << 20);
        let typo = format!("{}b", &long[1..]);
        assert_eq!(did_you_mean(&typo, [long.as_str(), "cart"]), None);
        assert_eq!(did_you_mean("cart-servce", [long.as_str(), "cart-service"]), Some("cart-service"));
    }

    #[test]
    fn suggests_near_names_only() {
        let names = ["auth-service", "biometric-service", "web-app"];
        assert_eq!(did_you_mean("auth-servce", names), Some("auth-service"));
        assert_eq!(did_you_mean("auht-service", names), Some("auth-service"));
        assert_eq!(did_you_mean("web-ap", names), Some("web-app"));
        assert_eq!(did_you_mean("payments", names), None);
    }

    #[test]
    fn short_names_allow_one_edit() {
        assert_eq!(did_you_mean("v3", ["v1", "v2"]), Some("v1"));
        assert_eq!(did_you_mean("xy", ["v1"]), None);
    }
}
