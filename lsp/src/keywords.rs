//! Documentation of every keyword, for hover. Declaration keywords show the opening
//! paragraph of their section of `docs/language.md` (the reference, read at build time);
//! every keyword has a one-line summary here. A test checks the table covers every keyword
//! of the grammar.

/// `(keyword, summary)`, sorted by keyword.
const SUMMARIES: &[(&str, &str)] = &[
    ("abort", "`fault abort STATUS PERCENT`: answer that share of requests with an HTTP error status."),
    ("absent", "A header, query or `when` test that holds when the key is missing."),
    ("access_log", "`access_log PROVIDER [filter \"CEL\"]`: write access logs to `envoy` or a declared provider."),
    ("account", "`account NAME`: the service account a service runs as; `from account NAME` in a policy."),
    ("add", "`request add \"header\" = \"value\"`: append a header value."),
    ("addresses", "`addresses \"10.0.0.0/24\", …`: the virtual IPs or CIDRs of an external."),
    ("allow", "`allow [from …] [to …] [when …]`: an ALLOW authorization rule."),
    ("and", "Joins match conditions of a route rule: all must hold."),
    ("any", "A route rule that matches every request (or connection)."),
    ("as", "`import \"std/resilience\" as r`: the name a module's declarations are used under (`r.resilient`)."),
    ("audiences", "`audiences \"a\", …`: the token audiences a `jwt` accepts."),
    ("audit", "`audit [from …] [to …]`: an AUDIT authorization rule (logs, never denies)."),
    ("authority", "The Host/authority: `redirect authority \"…\"`, `rewrite authority \"…\"`."),
    ("balance", "`balance round_robin | least_request | random | passthrough | hash …`: the load balancer."),
    ("burst", "`local RATE burst N`: the token bucket's size (defaults to the rate's count)."),
    ("by", "`global SVC by remote_address, path, header \"x\"`: the descriptors a global limit counts by."),
    ("cert", "`https 443 cert \"secret\"`: the TLS credential (Kubernetes secret) of a gateway server."),
    ("claim", "`claim NAME -> \"header\"` in a `jwt` copies a claim to a header; `when claim \"c\"` in a policy."),
    ("code", "`redirect code 301`: the redirect's HTTP status."),
    ("cookie", "`balance hash cookie \"name\" [ttl 1h]`; `from cookie \"name\"` for a jwt's token."),
    ("cors", "`cors { origins …  methods …  headers …  expose …  max_age …  credentials … }`: a CORS policy."),
    ("default", "`default deny` in a policy; the default of a `tag`; `h2_upgrade default`."),
    ("defaults", "`defaults { name: type = value … }`: declares every environment value and its default."),
    ("delay", "`fault delay DURATION PERCENT`: delay that share of requests."),
    ("deny", "`deny [from …] [to …] [when …]`: a DENY rule; `default deny` denies what no rule allows."),
    ("domain", "`global SVC domain \"name\"`: the rate-limit service's domain."),
    ("egress", "`gateway NAME egress`: an egress gateway; `egress HOSTS` in a sidecar: the hosts it may reach."),
    ("eject", "`eject consecutive_5xx 5, interval 10s, …`: outlier detection (ejection of failing endpoints)."),
    ("endpoints", "`endpoints \"10.0.0.1\", …`: the addresses behind a static external."),
    ("env", "`env NAME [production] { name = value … }`: one environment's values."),
    ("environment", "`tag NAME = environment \"VAR\"`: a trace tag from the proxy's environment variable."),
    ("environments", "`environments dev, staging, prod`: the environments the mesh is built for."),
    ("exact", "`exact \"/path\"`: match the whole URI path."),
    ("except", "`require except \"/health\", …`: paths that need no token."),
    ("external", "`external NAME { hosts …  port … }`: a dependency outside the mesh (a ServiceEntry)."),
    ("fault", "`fault delay …` or `fault abort …`: inject faults into a share of requests."),
    ("filter", "`access_log PROVIDER filter \"CEL\"`: log only requests matching the expression."),
    ("forward", "`forward` in a `jwt`: keep the token in the request forwarded upstream."),
    ("from", "`from SOURCE, …` in a policy rule; `from header \"…\"` for where a jwt's token is read."),
    ("gateway", "`gateway NAME [ingress | egress] { hosts …  https 443 cert … }`: an Istio Gateway."),
    ("global", "`global SVC[:PORT] [domain …] [by …] [timeout …]`: a limit enforced by a rate-limit service."),
    ("hash", "`balance hash header \"…\" | cookie \"…\" | query \"…\" | source_ip`: consistent hashing."),
    ("header", "`header \"name\" = \"v\" | prefix … | regex … | present | absent`: match a request header."),
    ("hosts", "`hosts NAME | \"host\", …`: the hosts a route, gateway or external serves."),
    ("http", "`http PORT [redirect]`: a plain-HTTP gateway server."),
    ("https", "`https PORT cert \"secret\" [mutual]`: an HTTPS gateway server that terminates TLS."),
    (
        "import",
        "`import \"path\" [as NAME]` or `import a, b from \"path\"`: use declarations of another file or of `std/…`.",
    ),
    ("in", "`when KEY in \"a\", \"b\"`: the key has one of these values."),
    ("ingress", "`gateway NAME ingress` (the default kind); `ingress PORT [to \"ep\"]` in a sidecar."),
    ("ip", "`from ip \"10.0.0.0/8\"`: requests from these addresses."),
    ("issuer", "`issuer \"https://…\"`: the token issuer a `jwt` trusts."),
    ("jwks", "`jwks \"https://…/jwks.json\"`: where a `jwt` fetches its signing keys."),
    ("jwt", "`jwt NAME { on …  issuer …  jwks … }`: request authentication; `from jwt` in a policy."),
    ("limit", "`limit SERVICE { local …  global … }`: rate limits on a service's inbound requests."),
    ("local", "`local N/INTERVAL [burst B]`: a per-proxy token bucket; `egress local` in a sidecar."),
    ("location", "`location external | internal`: where an external's endpoints are."),
    ("mesh", "`mesh NAME { namespace …  environments … }`: the program's header; `policy mesh`; `via mesh`."),
    ("method", "`method GET, POST`: match the HTTP method."),
    ("metrics", "`metrics prometheus | PROVIDER`: where metrics go."),
    ("mirror", "`mirror SERVICE[@VERSION][:PORT] [PERCENT]`: send a copy of the traffic."),
    ("mtls", "`mtls [port N] strict | permissive | disable | unset`: mutual TLS of a workload or namespace."),
    ("mutual", "`https 443 cert \"…\" mutual`: the gateway requires client certificates."),
    ("namespace", "`namespace NAME`: a Kubernetes namespace; `policy namespace`; `from namespace NAME`."),
    ("none", "`retry none`: no retries."),
    ("not", "`when KEY not in \"a\", …`: the key has none of these values."),
    ("on", "`on SERVICE, …` in a `jwt`; `retry N on CONDITION, …` in a route."),
    ("outbound", "`outbound registry_only | allow_any`: may the workload reach hosts the mesh does not know?"),
    ("param", "`from param \"token\"`: read a jwt's token from a query parameter."),
    ("passthrough", "`tls 443 passthrough`: the gateway forwards TLS without terminating it."),
    ("path", "`by path`: a global limit's descriptor on the request path."),
    ("policy", "`policy SERVICE | namespace | mesh { mtls …  allow …  deny … }`: security for a workload."),
    ("pool", "`pool max_connections 100, connect_timeout 2s, …`: connection-pool settings."),
    ("port", "`port PROTOCOL[-suffix] NUMBER`: a named port (the name picks the protocol)."),
    ("prefix", "`prefix \"/api\"`: match a URI path prefix; `prefix \"Bearer \"` for a jwt header."),
    ("present", "A header, query or `when` test that holds when the key is there."),
    (
        "preset",
        "`preset NAME(param: type = default, …) { … }`: statements with parameters, spliced where `use` names them.",
    ),
    ("production", "`env NAME production`: a production environment, held to the security lints."),
    ("provider", "`provider NAME KIND \"host:port\"`: a tracing, metrics or logging backend."),
    ("query", "`query \"name\" …`: match a query parameter; `balance hash query \"…\"`."),
    ("redirect", "`redirect uri …  authority …  scheme …  code …`; `http 80 redirect` sends HTTP to HTTPS."),
    ("regex", "`regex \"…\"`: match with an RE2 regular expression; `rewrite regex \"…\" \"…\"`."),
    ("remote_address", "`by remote_address`: a global limit's descriptor on the client address."),
    ("remove", "`request remove \"header\", …`: drop headers."),
    ("request", "`request set | add | remove …`: edit request headers."),
    ("require", "`require [except \"/path\", …]`: reject requests without a valid token."),
    ("resolution", "`resolution dns | static | dns_round_robin | none`: how an external's endpoints are found."),
    ("respond", "`respond STATUS [\"body\"]`: answer directly, without a backend."),
    ("response", "`response set | add | remove …`: edit response headers."),
    ("retry", "`retry N [x PER_TRY] [on CONDITION, …]` or `retry none`: the retry policy."),
    (
        "rewrite",
        "`rewrite \"/new\"`, `rewrite authority \"…\"`, `rewrite regex \"…\" \"…\"`: rewrite before forwarding.",
    ),
    ("root_namespace", "`root_namespace NAME`: Istio's root namespace (default `istio-system`)."),
    ("route", "`route NAME [via GATEWAY, …] { hosts …  RULES }`: how requests to hosts are routed."),
    ("sampling", "`tracing PROVIDER sampling 10%`: the share of requests traced."),
    ("scheme", "`redirect scheme https`: the redirect's scheme."),
    ("selector", "`selector istio = ingressgateway`: the gateway pods' labels."),
    ("service", "`service NAME { port …  versions …  account … }`: a workload in the mesh."),
    ("set", "`request set \"header\" = \"value\"`: set a header, replacing it."),
    ("sidecar", "`sidecar SERVICE { egress …  ingress …  outbound … }`: the scope of a workload's proxy."),
    ("sni", "`sni \"host\", …`: match TLS connections by SNI; `tls simple sni \"…\"`."),
    ("source_ip", "`balance hash source_ip`: hash on the client address."),
    ("tag", "`tag NAME = \"v\" | header \"h\" | environment \"VAR\"`: a custom trace tag."),
    ("tcp", "`tcp PORT`: a TCP gateway server; `tcp [PORT]` matches TCP connections in a route."),
    ("telemetry", "`telemetry [SERVICE] { tracing …  metrics …  access_log … }`: observability settings."),
    ("template", "`template NAME \"file.yaml.j2\"`: a resource the language does not model, rendered per environment."),
    ("timeout", "`timeout DURATION`: the request timeout of a rule (or a global limit's call)."),
    ("tls", "`tls disable | simple | mutual | istio_mutual [sni …]` upstream; `tls PORT passthrough` on a gateway."),
    ("to", "`to METHODS PATHS port N` in a policy rule; `ingress PORT to \"ep\"` in a sidecar."),
    ("tracing", "`tracing PROVIDER [sampling PERCENT]`: send traces to a provider."),
    ("trust_domain", "`trust_domain \"example.org\"`: the SPIFFE trust domain (default `cluster.local`)."),
    ("ttl", "`balance hash cookie \"name\" ttl 1h`: the cookie's lifetime."),
    ("uri", "`redirect uri \"/new\"`: the redirect's path."),
    ("use", "`use NAME(arg, name = value)`: splice a preset's statements here."),
    ("versions", "`versions v1, v2`: the versions (subsets, by the `version` label) of a service."),
    ("via", "`route NAME via GATEWAY, mesh`; `via GATEWAY` in an external: leave through an egress gateway."),
    ("warmup", "`warmup DURATION`: ramp traffic up slowly to new endpoints."),
    ("when", "`when header \"h\" | claim \"c\" | \"key\" present | in …`: a condition on an authorization rule."),
    ("x", "`retry 3 x 2s`: the timeout of each try."),
];

const LANGUAGE_DOC: &str = include_str!("../../docs/language.md");

/// The hover text of a keyword, or `None` for a word that is not one.
pub fn doc(keyword: &str) -> Option<String> {
    let summary = SUMMARIES.binary_search_by(|(k, _)| k.cmp(&keyword)).ok().map(|i| SUMMARIES[i].1)?;
    let mut out = format!("**keyword** `{keyword}`\n\n{summary}");
    if let Some(section) = section_intro(keyword) {
        out.push_str("\n\n");
        out.push_str(&section);
    }
    Some(out)
}

/// The first prose paragraph of the `## KEYWORD` section of the language reference.
fn section_intro(keyword: &str) -> Option<String> {
    let heading = format!("## {keyword}");
    let start = LANGUAGE_DOC.lines().position(|l| l.trim() == heading || l.starts_with(&format!("{heading} ")))?;
    let mut paragraph = Vec::new();
    let mut in_code = false;
    for line in LANGUAGE_DOC.lines().skip(start + 1) {
        if line.starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            continue;
        }
        if line.starts_with('#') {
            break;
        }
        if line.trim().is_empty() {
            if paragraph.is_empty() {
                continue;
            }
            break;
        }
        paragraph.push(line.trim());
    }
    (!paragraph.is_empty()).then(|| paragraph.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_grammar_keyword_is_documented() {
        let documented: Vec<&str> = SUMMARIES.iter().map(|(k, _)| *k).collect();
        let mut sorted = documented.clone();
        sorted.sort_unstable();
        assert_eq!(documented, sorted, "keep SUMMARIES sorted: doc() searches it");
        let missing: Vec<&String> =
            meshc_syntax::expect::keywords().iter().filter(|k| !documented.contains(&k.as_str())).collect();
        assert!(missing.is_empty(), "add a summary for {missing:?} to SUMMARIES");
    }

    #[test]
    fn declarations_quote_the_language_reference() {
        for keyword in meshc_syntax::DECLARATION_KEYWORDS {
            let text = doc(keyword).unwrap_or_default();
            assert!(text.starts_with(&format!("**keyword** `{keyword}`")), "{text}");
        }
        let service = doc("service").unwrap_or_default();
        assert!(service.lines().count() > 3, "the reference's paragraph is missing: {service}");
        assert_eq!(doc("auth-service"), None);
    }
}
