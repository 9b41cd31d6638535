//! The syntax tree: what was written, with spans, and no meaning attached yet.
//! Literal values keep their source text; units and ranges are checked by `meshc-core`.

use crate::span::{Span, Spanned};

pub type Name = Spanned<String>;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct File {
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Import(ImportDecl),
    Preset(Box<PresetDecl>),
    Template(TemplateDecl),
    Mesh(MeshDecl),
    Defaults(DefaultsDecl),
    Env(EnvDecl),
    Provider(ProviderDecl),
    Service(Box<ServiceDecl>),
    External(Box<ExternalDecl>),
    Gateway(GatewayDecl),
    Route(RouteDecl),
    Policy(PolicyDecl),
    Jwt(Box<JwtDecl>),
    Limit(Box<LimitDecl>),
    Sidecar(SidecarDecl),
    Telemetry(TelemetryDecl),
}

impl Item {
    /// The span of the whole declaration.
    pub fn span(&self) -> Span {
        match self {
            Item::Import(d) => d.span,
            Item::Preset(d) => d.span,
            Item::Template(d) => d.span,
            Item::Mesh(d) => d.span,
            Item::Defaults(d) => d.span,
            Item::Env(d) => d.span,
            Item::Provider(d) => d.span,
            Item::Service(d) => d.span,
            Item::External(d) => d.span,
            Item::Gateway(d) => d.span,
            Item::Route(d) => d.span,
            Item::Policy(d) => d.span,
            Item::Jwt(d) => d.span,
            Item::Limit(d) => d.span,
            Item::Sidecar(d) => d.span,
            Item::Telemetry(d) => d.span,
        }
    }
}

// ---- values ------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
pub struct Value {
    pub kind: ValueKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ValueKind {
    /// `$name`: an environment value.
    Var(String),
    /// `1000/1s`: the source text.
    Rate(String),
    /// `30s`, `1h30m`: the source text.
    Duration(String),
    /// `10%`, `0.5%`: the source text without `%`.
    Percent(String),
    /// `3`, `1.5`: the source text.
    Number(String),
    Str(StrLit),
    /// A bare word: an enum value or a reference, decided by where it stands.
    Ident(String),
}

/// A string literal, unescaped, split into text and `${name}` interpolations.
#[derive(Debug, Clone, PartialEq)]
pub struct StrLit {
    pub parts: Vec<StrPart>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StrPart {
    Text(String),
    Interp(Name),
}

impl StrLit {
    /// The text when there is no interpolation.
    pub fn as_plain(&self) -> Option<String> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                StrPart::Text(t) => out.push_str(t),
                StrPart::Interp(_) => return None,
            }
        }
        Some(out)
    }
}

// ---- modules, presets and templates ------------------------------------------------------

/// `import "std/resilience"`, `import "../shared/x.mesh" as x`, `import a, b from "…"`.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportDecl {
    /// The path as written, without quotes.
    pub path: Spanned<String>,
    /// Names imported unqualified (`import a, b from "…"`); empty for a qualified import.
    pub names: Vec<Name>,
    pub alias: Option<Name>,
    pub span: Span,
}

/// `preset NAME(param: type = default, …) { statements }`.
#[derive(Debug, Clone, PartialEq)]
pub struct PresetDecl {
    pub name: Name,
    pub params: Vec<ParamDecl>,
    pub body: PresetBody,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ParamDecl {
    pub name: Name,
    pub ty: Option<Name>,
    pub default: Option<Value>,
    pub span: Span,
}

/// What a preset (or a `use` of it) contributes; each context takes the parts it allows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PresetBody {
    /// Traffic policy: for services and externals.
    pub policy: TrafficPolicyDecl,
    /// Route options (timeout, retry, …): for routes, rules, and services (as route defaults).
    pub options: Vec<RuleOption>,
    /// Policy statements.
    pub mtls: Vec<MtlsDecl>,
    pub default_deny: Option<Span>,
    pub rules: Vec<AuthRule>,
    /// Limit statements.
    pub local: Option<LocalLimit>,
    pub global: Option<GlobalLimit>,
    /// Telemetry statements.
    pub tracing: Vec<TracingDecl>,
    pub tags: Vec<TagDecl>,
    pub metrics: Vec<Name>,
    pub access_logs: Vec<AccessLogDecl>,
    /// Nested uses.
    pub uses: Vec<UseDecl>,
    /// Every statement with the family it belongs to, for "not allowed here" diagnostics.
    pub statements: Vec<(StatementFamily, Span)>,
    /// Single statements written again (the checker reports them).
    pub repeated: Vec<Span>,
}

/// Which declarations a statement may appear in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatementFamily {
    TrafficPolicy,
    RouteOption,
    Policy,
    Limit,
    Telemetry,
}

impl StatementFamily {
    pub fn describe(self) -> &'static str {
        match self {
            StatementFamily::TrafficPolicy => "traffic policy (services and externals)",
            StatementFamily::RouteOption => "route option (routes, rules, and services as route defaults)",
            StatementFamily::Policy => "policy statement",
            StatementFamily::Limit => "limit statement",
            StatementFamily::Telemetry => "telemetry statement",
        }
    }
}

/// `use PRESET(arg, name = arg, …)`.
#[derive(Debug, Clone, PartialEq)]
pub struct UseDecl {
    /// `resilient` or `resilience.resilient`.
    pub preset: Name,
    pub args: Vec<Arg>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Arg {
    pub name: Option<Name>,
    pub value: Value,
}

/// `template NAME "path/to/file.yaml.j2"`.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateDecl {
    pub name: Name,
    pub path: Value,
    pub span: Span,
}

// ---- mesh header and environments ------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
pub struct MeshDecl {
    pub name: Name,
    pub namespace: Option<Name>,
    pub root_namespace: Option<Name>,
    pub trust_domain: Option<Value>,
    pub environments: Vec<Name>,
    /// Single statements written again (the checker reports them).
    pub repeated: Vec<Span>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DefaultsDecl {
    pub vars: Vec<VarDecl>,
    pub span: Span,
}

/// `name: type [= default]` or `name = default` in `defaults`.
#[derive(Debug, Clone, PartialEq)]
pub struct VarDecl {
    pub name: Name,
    pub ty: Option<Name>,
    pub default: Option<Value>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EnvDecl {
    pub name: Name,
    pub production: bool,
    pub values: Vec<VarSet>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct VarSet {
    pub name: Name,
    pub value: Value,
    pub span: Span,
}

/// `provider NAME KIND "address"`: a tracing, metrics or logging backend.
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderDecl {
    pub name: Name,
    pub kind: Name,
    pub address: Value,
    pub span: Span,
}

// ---- services and externals ------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
pub struct ServiceDecl {
    pub name: Name,
    pub namespace: Option<Name>,
    pub ports: Vec<PortDecl>,
    pub account: Option<Name>,
    pub versions: Vec<Name>,
    pub policy: TrafficPolicyDecl,
    /// `timeout` and `retry` written in a service: defaults for every route rule that
    /// forwards to it.
    pub route_defaults: Vec<RuleOption>,
    pub uses: Vec<UseDecl>,
    /// Single statements written again (the checker reports them).
    pub repeated: Vec<Span>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PortDecl {
    pub name: Name,
    pub number: Value,
    pub span: Span,
}

/// Traffic policy statements shared by services and externals.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TrafficPolicyDecl {
    pub pool: Vec<Setting>,
    pub eject: Vec<Setting>,
    pub balance: Option<Balance>,
    pub warmup: Option<Value>,
    pub tls: Option<TlsDecl>,
    /// Spans of each statement keyword, for duplicate detection.
    pub duplicates: Vec<Span>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    pub key: Name,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Balance {
    Simple(Name),
    HashHeader(Value, Span),
    HashCookie { name: Value, ttl: Option<Value>, span: Span },
    HashQuery(Value, Span),
    HashSourceIp(Span),
}

#[derive(Debug, Clone, PartialEq)]
pub struct TlsDecl {
    pub mode: Name,
    pub sni: Option<Value>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExternalDecl {
    pub name: Name,
    pub hosts: Vec<Host>,
    pub ports: Vec<PortDecl>,
    pub resolution: Option<Name>,
    pub location: Option<Name>,
    pub addresses: Vec<Value>,
    pub endpoints: Vec<Value>,
    pub policy: TrafficPolicyDecl,
    /// `via GATEWAY`: leave the mesh through this egress gateway.
    pub via: Option<Name>,
    pub uses: Vec<UseDecl>,
    /// Single statements written again (the checker reports them).
    pub repeated: Vec<Span>,
    pub span: Span,
}

/// A host: a literal (`"api.${domain}"`) or a reference to a service or external.
#[derive(Debug, Clone, PartialEq)]
pub enum Host {
    Literal(Value),
    Ref(Name),
}

impl Host {
    pub fn span(&self) -> Span {
        match self {
            Host::Literal(v) => v.span,
            Host::Ref(n) => n.span,
        }
    }
}

// ---- gateways --------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
pub struct GatewayDecl {
    pub name: Name,
    pub egress: bool,
    pub namespace: Option<Name>,
    pub hosts: Vec<Host>,
    pub servers: Vec<ServerDecl>,
    pub selector: Vec<(Name, Value)>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Copy)]
pub enum ServerProtocol {
    Http,
    Https,
    Tls,
    Tcp,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ServerDecl {
    pub protocol: ServerProtocol,
    pub port: Value,
    pub redirect: Option<Span>,
    pub passthrough: Option<Span>,
    pub mutual: Option<Span>,
    pub cert: Option<Value>,
    pub span: Span,
}

// ---- routes ------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
pub struct RouteDecl {
    pub name: Name,
    pub via: Vec<Name>,
    pub hosts: Vec<Host>,
    pub rules: Vec<RouteRule>,
    /// Options written directly in the route: defaults for every rule.
    pub options: Vec<RuleOption>,
    pub uses: Vec<UseDecl>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RouteRule {
    /// Empty means `any`.
    pub conditions: Vec<Condition>,
    pub action: Action,
    pub options: Vec<RuleOption>,
    pub uses: Vec<UseDecl>,
    pub span: Span,
    /// The span of the match part, for "never matches" warnings.
    pub match_span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Copy)]
pub enum UriKind {
    Prefix,
    Exact,
    Regex,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StringTest {
    Present,
    Absent,
    Exact(Value),
    Prefix(Value),
    Regex(Value),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    Uri { kind: UriKind, values: Vec<Value>, span: Span },
    Method { methods: Vec<Name>, span: Span },
    Header { name: Value, test: StringTest, span: Span },
    Query { name: Value, test: StringTest, span: Span },
    Sni { hosts: Vec<Value>, span: Span },
    Tcp { port: Option<Value>, span: Span },
}

impl Condition {
    pub fn span(&self) -> Span {
        match self {
            Condition::Uri { span, .. }
            | Condition::Method { span, .. }
            | Condition::Header { span, .. }
            | Condition::Query { span, .. }
            | Condition::Sni { span, .. }
            | Condition::Tcp { span, .. } => *span,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Forward(Vec<Destination>),
    Redirect { parts: Vec<(Name, Value)>, span: Span },
    Respond { status: Value, body: Option<Value>, span: Span },
}

/// `service[@version][:port] [weight%]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Destination {
    pub target: Name,
    pub version: Option<Name>,
    pub port: Option<PortRef>,
    pub weight: Option<Value>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PortRef {
    Number(u32, Span),
    Name(Name),
}

impl PortRef {
    pub fn span(&self) -> Span {
        match self {
            PortRef::Number(_, s) => *s,
            PortRef::Name(n) => n.span,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum RuleOption {
    Timeout(Value, Span),
    Retry(RetryDecl),
    Rewrite(Rewrite),
    Fault(Fault),
    Mirror(Destination, Span),
    Cors(Vec<(Name, Vec<Value>)>, Span),
    Headers(HeaderEdit),
}

impl RuleOption {
    pub fn span(&self) -> Span {
        match self {
            RuleOption::Timeout(_, s) | RuleOption::Mirror(_, s) | RuleOption::Cors(_, s) => *s,
            RuleOption::Retry(r) => r.span,
            RuleOption::Rewrite(r) => r.span,
            RuleOption::Fault(f) => f.span,
            RuleOption::Headers(h) => h.span,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct RetryDecl {
    /// `None` for `retry none`.
    pub attempts: Option<Value>,
    pub per_try: Option<Value>,
    pub on: Vec<Spanned<String>>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum RewriteKind {
    Uri(Value),
    Authority(Value),
    Regex { pattern: Value, replacement: Value },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Rewrite {
    pub kind: RewriteKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum FaultKind {
    Delay,
    Abort,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    pub kind: FaultKind,
    /// A duration for delays, an HTTP status for aborts.
    pub value: Value,
    pub percent: Value,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Copy)]
pub enum HeaderSide {
    Request,
    Response,
}

#[derive(Debug, Clone, PartialEq)]
pub enum HeaderOp {
    Set(Value, Value),
    Add(Value, Value),
    Remove(Vec<Value>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct HeaderEdit {
    pub side: HeaderSide,
    pub op: HeaderOp,
    pub span: Span,
}

// ---- security ------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
pub enum PolicyTarget {
    Namespace(Span),
    Mesh(Span),
    Workload(Name),
}

#[derive(Debug, Clone, PartialEq)]
pub struct PolicyDecl {
    pub target: PolicyTarget,
    pub mtls: Vec<MtlsDecl>,
    pub default_deny: Option<Span>,
    pub rules: Vec<AuthRule>,
    pub uses: Vec<UseDecl>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MtlsDecl {
    pub port: Option<Value>,
    pub mode: Value,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Copy)]
pub enum AuthAction {
    Allow,
    Deny,
    Audit,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AuthRule {
    pub action: AuthAction,
    pub from: Vec<Source>,
    pub to: Option<Operation>,
    pub when: Vec<WhenClause>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    Workload(Name),
    /// `account NAME`: a service account declared by some service.
    Account(Name),
    Namespace(Name),
    /// `jwt` (any valid token) or `jwt "issuer/subject"`.
    Jwt(Option<Value>, Span),
    Ip(Value),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    pub methods: Vec<Name>,
    pub paths: Vec<Value>,
    pub ports: Vec<PortRef>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum WhenKey {
    Header(Value),
    Claim(Value),
    Raw(Value),
}

#[derive(Debug, Clone, PartialEq)]
pub enum WhenTest {
    Present,
    Absent,
    In(Vec<Value>),
    NotIn(Vec<Value>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct WhenClause {
    pub key: WhenKey,
    pub test: WhenTest,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct JwtDecl {
    pub name: Name,
    pub on: Vec<Name>,
    pub issuer: Option<Value>,
    pub audiences: Vec<Value>,
    pub jwks: Option<Value>,
    pub from: Vec<TokenLocation>,
    pub claims: Vec<(Name, Value)>,
    pub forward: bool,
    /// `require [except "/health", ...]`: reject requests without a token.
    pub require: Option<(Vec<Value>, Span)>,
    /// Single statements written again (the checker reports them).
    pub repeated: Vec<Span>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TokenLocation {
    Header { name: Value, prefix: Option<Value> },
    Param(Value),
    Cookie(Value),
}

// ---- limits, sidecars, telemetry -----------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
pub struct LimitDecl {
    pub target: Name,
    pub local: Option<LocalLimit>,
    pub global: Option<GlobalLimit>,
    pub uses: Vec<UseDecl>,
    /// Single statements written again (the checker reports them).
    pub repeated: Vec<Span>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LocalLimit {
    pub rate: Value,
    pub burst: Option<Value>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GlobalLimit {
    pub service: Name,
    pub port: Option<PortRef>,
    pub domain: Option<Value>,
    pub descriptors: Vec<Descriptor>,
    pub timeout: Option<Value>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Descriptor {
    RemoteAddress(Span),
    Path(Span),
    Header(Value),
}

#[derive(Debug, Clone, PartialEq)]
pub struct SidecarDecl {
    pub target: Name,
    pub egress: Vec<EgressDecl>,
    pub ingress: Vec<IngressDecl>,
    pub outbound: Option<Name>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EgressDecl {
    pub port: Option<Value>,
    pub hosts: Vec<EgressHost>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum EgressHost {
    /// `local`: everything in the mesh namespace.
    Local(Span),
    Namespace(Name),
    Ref(Name),
}

#[derive(Debug, Clone, PartialEq)]
pub struct IngressDecl {
    pub port: Name,
    pub endpoint: Option<Value>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TelemetryDecl {
    pub target: Option<Name>,
    pub tracing: Vec<TracingDecl>,
    pub tags: Vec<TagDecl>,
    pub metrics: Vec<Name>,
    pub access_logs: Vec<AccessLogDecl>,
    pub uses: Vec<UseDecl>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TracingDecl {
    pub provider: Name,
    pub sampling: Option<Value>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TagValue {
    Literal(Value),
    Header { name: Value, default: Option<Value> },
    Environment { name: Value, default: Option<Value> },
}

#[derive(Debug, Clone, PartialEq)]
pub struct TagDecl {
    pub name: Name,
    pub value: TagValue,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AccessLogDecl {
    pub provider: Name,
    pub filter: Option<Value>,
    pub span: Span,
}

#[cfg(test)]
mod tests {
    /// Every item of a file is as large as the largest declaration kept inline: the largest
    /// ones are boxed, so a file of 10,000 one-line routes does not pay for services (and
    /// the parser does not copy 650 bytes per declaration). Raise this only on purpose.
    #[test]
    fn items_stay_small() {
        assert!(std::mem::size_of::<super::Item>() <= 240, "{} bytes", std::mem::size_of::<super::Item>());
    }
}
