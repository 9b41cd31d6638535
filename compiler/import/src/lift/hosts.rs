//! Host names as Istio reads them: `reviews` is `reviews.<namespace of the object>.svc.cluster.local`
//! (Istio expands only names without a dot), `reviews.shop.svc.cluster.local` is the
//! Kubernetes Service `reviews` in `shop`, and anything else is a name outside the cluster.

/// The DNS suffix of Kubernetes Services (Istio's default `cluster.local` domain).
pub const CLUSTER_SUFFIX: &str = ".svc.cluster.local";

/// What a host names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Host {
    /// A Kubernetes Service: `(name, namespace)`.
    Service(String, String),
    /// Any other name (or `*`, or an IP).
    Other(String),
}

/// Reads `host` as written in an object of namespace `namespace`.
pub fn parse(host: &str, namespace: &str) -> Host {
    let host = host.to_ascii_lowercase();
    if host == "*" || host.parse::<std::net::IpAddr>().is_ok() {
        return Host::Other(host);
    }
    if !host.contains('.') {
        return Host::Service(host, namespace.to_string());
    }
    if let Some(rest) = host.strip_suffix(CLUSTER_SUFFIX) {
        if let Some((name, ns)) = rest.split_once('.') {
            if !ns.contains('.') && !name.is_empty() && !ns.is_empty() {
                return Host::Service(name.to_string(), ns.to_string());
            }
        }
    }
    Host::Other(host)
}

/// The fully qualified name of a Kubernetes Service.
pub fn fqdn(name: &str, namespace: &str) -> String {
    format!("{name}.{namespace}{CLUSTER_SUFFIX}")
}

/// A `.mesh` name for an outside host: `api.payments.example` → `api-payments-example`.
pub fn name_for(host: &str) -> String {
    let mut name: String = host
        .trim_start_matches("*.")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' })
        .collect();
    while name.contains("--") {
        name = name.replace("--", "-");
    }
    let name = name.trim_matches('-');
    let name = if name.starts_with(|c: char| c.is_ascii_digit()) { format!("host-{name}") } else { name.to_string() };
    name.chars().take(63).collect::<String>().trim_end_matches('-').to_string()
}

/// A DNS label made from an object name (`reviews.v1` → `reviews-v1`), for declarations
/// whose Istio names may hold dots.
pub fn label_for(name: &str) -> String {
    name_for(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_resolve_like_istio() {
        assert_eq!(parse("reviews", "shop"), Host::Service("reviews".into(), "shop".into()));
        assert_eq!(parse("Reviews.Data.svc.cluster.local", "shop"), Host::Service("reviews".into(), "data".into()));
        assert_eq!(parse("reviews.data", "shop"), Host::Other("reviews.data".into()));
        assert_eq!(parse("*", "shop"), Host::Other("*".into()));
        assert_eq!(name_for("api.payments.example"), "api-payments-example");
        assert_eq!(name_for("*.1password.com"), "host-1password-com");
    }
}
