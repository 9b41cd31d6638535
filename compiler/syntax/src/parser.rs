//! pest parse tree → syntax tree. Parsing never fails as a whole: a file with syntax errors
//! yields every top-level declaration that does parse, plus one error per broken one.

use pest::iterators::Pair;
use pest::Parser as _;

use crate::ast::{RouteRule, *};
use crate::span::{FileId, Span, Spanned};

#[derive(pest_derive::Parser)]
#[grammar = "../../grammar/mesh.pest"]
pub(crate) struct MeshParser;

pub use self::Rule as GrammarRule;

/// A syntax error: where the parser stopped and what it would have accepted there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub span: Span,
    pub message: String,
    /// What would have been accepted, already phrased for people (`` `}` ``, `a value`).
    pub expected: Vec<String>,
}

/// Keywords that start a top-level declaration; used to resynchronise after an error.
pub const DECLARATION_KEYWORDS: &[&str] = &[
    "import",
    "preset",
    "template",
    "mesh",
    "defaults",
    "env",
    "provider",
    "service",
    "external",
    "gateway",
    "route",
    "policy",
    "jwt",
    "limit",
    "sidecar",
    "telemetry",
];

/// Parses one file. The syntax tree holds every declaration that parsed.
pub fn parse(file: FileId, text: &str) -> (File, Vec<SyntaxError>) {
    // The hand-written parser answers only for files that parse, with pest's own tree;
    // pest decides everything else, and is the only source of syntax errors.
    if let Some(tree) = crate::descent::parse(file, text) {
        return (tree, Vec::new());
    }
    match MeshParser::parse(Rule::file, text) {
        Ok(mut pairs) => {
            let builder = Builder { file, offset: 0 };
            let items = pairs.next().map(|p| builder.items(p)).unwrap_or_default();
            (File { items }, Vec::new())
        }
        Err(_) => parse_by_declaration(file, text),
    }
}

/// The whole file by pest alone, the grammar of record, without the fast path and without
/// error recovery: `None` when it does not parse. For tests and fuzzing that compare the
/// two parsers.
pub fn parse_with_pest(file: FileId, text: &str) -> Option<File> {
    let mut pairs = MeshParser::parse(Rule::file, text).ok()?;
    let builder = Builder { file, offset: 0 };
    Some(File { items: pairs.next().map(|p| builder.items(p)).unwrap_or_default() })
}

/// The whole file by the hand-written parser alone: `None` when it declines (see
/// `descent`). For tests and fuzzing that compare the two parsers.
pub fn parse_fast(file: FileId, text: &str) -> Option<File> {
    crate::descent::parse(file, text)
}

/// Error recovery: split the file where a line starts with a declaration keyword and parse
/// each piece alone, so one broken declaration hides no other.
fn parse_by_declaration(file: FileId, text: &str) -> (File, Vec<SyntaxError>) {
    let mut items = Vec::new();
    let mut errors = Vec::new();
    let starts = declaration_starts(text);
    for (i, &start) in starts.iter().enumerate() {
        let end = starts.get(i + 1).copied().unwrap_or(text.len());
        let chunk = &text[start..end];
        if chunk.trim().is_empty() || is_only_comments(chunk) {
            continue;
        }
        match MeshParser::parse(Rule::item_only, chunk) {
            Ok(mut pairs) => {
                let builder = Builder { file, offset: start };
                if let Some(pair) = pairs.next() {
                    items.extend(builder.items(pair));
                }
            }
            Err(err) => errors.push(convert_error(file, start, chunk, err)),
        }
    }
    (File { items }, errors)
}

pub(crate) fn declaration_starts(text: &str) -> Vec<usize> {
    let mut starts = vec![0];
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let word: String = line.chars().take_while(|c| c.is_ascii_alphabetic() || *c == '_').collect();
        let rest = &line[word.len()..];
        let ends_word = rest.is_empty() || rest.starts_with([' ', '\t', '{', '\r', '\n']);
        if offset > 0 && ends_word && DECLARATION_KEYWORDS.contains(&word.as_str()) {
            starts.push(offset);
        }
        offset += line.len();
    }
    starts
}

fn is_only_comments(chunk: &str) -> bool {
    chunk.lines().all(|l| {
        let l = l.trim();
        l.is_empty() || l.starts_with('#')
    })
}

pub(crate) fn convert_error(file: FileId, offset: usize, chunk: &str, err: pest::error::Error<Rule>) -> SyntaxError {
    let pos = match err.location {
        pest::error::InputLocation::Pos(p) => p,
        pest::error::InputLocation::Span((s, _)) => s,
    };
    let (expected, unexpected) = match &err.variant {
        pest::error::ErrorVariant::ParsingError { positives, negatives } => {
            (describe_rules(positives), negatives.iter().map(|r| describe_rule(*r)).collect::<Vec<_>>())
        }
        pest::error::ErrorVariant::CustomError { message } => (vec![message.clone()], Vec::new()),
    };
    let found = token_at(chunk, pos);
    let end = pos + found.len().max(usize::from(pos < chunk.len()));
    let found_text = if found.is_empty() {
        if pos >= chunk.trim_end().len() {
            "the end of the declaration".to_string()
        } else {
            "this".to_string()
        }
    } else if let Some(c) = invisible(found) {
        // Written raw, a control character would reach the terminal (or vanish) in the message.
        format!("the invisible character U+{:04X}", c as u32)
    } else {
        format!("`{found}`")
    };
    let message = if !unexpected.is_empty() && expected.is_empty() {
        format!("unexpected {}", unexpected.join(" or "))
    } else if expected.is_empty() {
        format!("unexpected {found_text}")
    } else {
        format!("expected {}, found {found_text}", join_or(&expected))
    };
    SyntaxError { span: Span::new(file, offset + pos, offset + end.min(chunk.len())), message, expected }
}

/// The character of a one-character token that would be invisible or act on the terminal if
/// printed: control characters, zero-width and bidirectional formatting characters, BOMs.
fn invisible(token: &str) -> Option<char> {
    let mut chars = token.chars();
    let c = chars.next()?;
    let hidden = c.is_control()
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{feff}');
    (hidden && chars.next().is_none()).then_some(c)
}

/// The word or symbol at `pos`, for "found `…`".
fn token_at(text: &str, pos: usize) -> &str {
    let rest = text.get(pos..).unwrap_or("");
    let first = match rest.chars().next() {
        Some(c) => c,
        None => return "",
    };
    let len = if first.is_alphanumeric() || first == '_' || first == '$' {
        rest.char_indices()
            .skip(1)
            .find(|(_, c)| !(c.is_alphanumeric() || *c == '_' || *c == '-'))
            .map_or(rest.len(), |(i, _)| i)
    } else if first.is_whitespace() {
        0
    } else {
        first.len_utf8()
    };
    let token = &rest[..len];
    if token.chars().count() > 40 {
        let cut = token.char_indices().nth(40).map_or(token.len(), |(i, _)| i);
        &token[..cut]
    } else {
        token
    }
}

fn join_or(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

fn describe_rules(rules: &[Rule]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for rule in rules {
        let text = describe_rule(*rule);
        if !out.contains(&text) {
            out.push(text);
        }
    }
    // Keywords first, then the general descriptions, each alphabetically: stable messages.
    out.sort_by_key(|s| (!s.starts_with('`'), s.clone()));
    if out.len() > 8 {
        out.truncate(8);
        out.push("…".to_string());
    }
    out
}

/// How a grammar rule is named in messages.
pub fn describe_rule(rule: Rule) -> String {
    let name = format!("{rule:?}");
    if let Some(keyword) = name.strip_prefix("K_") {
        return format!("`{keyword}`");
    }
    let text = match rule {
        Rule::EOI => "the end of the file",
        Rule::name | Rule::ident | Rule::name_list => "a name",
        Rule::value | Rule::value_list => "a value",
        Rule::string => "a string",
        Rule::integer | Rule::number => "a number",
        Rule::percent => "a percentage",
        Rule::duration => "a duration",
        Rule::rate => "a rate",
        Rule::var_ref => "`$name`",
        Rule::item | Rule::item_only | Rule::file => "a declaration",
        Rule::method => "an HTTP method",
        Rule::retry_condition => "a retry condition",
        Rule::destination => "a destination",
        Rule::condition | Rule::matcher => "a match",
        Rule::action | Rule::forward => "an action (`->`, `redirect` or `respond`)",
        Rule::route_rule | Rule::rule_option => "a rule",
        Rule::setting | Rule::settings => "a setting",
        Rule::host => "a host",
        Rule::port_ref => "a port",
        _ => return name.replace('_', " "),
    };
    text.to_string()
}

struct Builder {
    file: FileId,
    offset: usize,
}

/// Pulls the next pair out of an iterator the grammar guarantees is there.
fn next<'a>(pairs: &mut pest::iterators::Pairs<'a, Rule>) -> Pair<'a, Rule> {
    pairs.next().expect("grammar guarantees this child")
}

impl Builder {
    /// The span of a pair without the whitespace and comments pest keeps at its end when an
    /// optional tail (`server_option*`, `percent?`) was tried and not found.
    fn span(&self, pair: &Pair<Rule>) -> Span {
        let s = pair.as_span();
        let text = s.as_str();
        let mut end = text.len();
        loop {
            let trimmed = text[..end].trim_end();
            // A trailing comment runs to the end of its line: drop it and look again.
            let line_start = trimmed.rfind('\n').map_or(0, |i| i + 1);
            match comment_start(&trimmed[line_start..]) {
                Some(at) => end = line_start + at,
                None => {
                    end = trimmed.len();
                    break;
                }
            }
        }
        Span::new(
            self.file,
            self.offset + s.start(),
            self.offset + s.start() + end.max(usize::from(text.is_empty())).min(text.len()),
        )
    }

    fn name(&self, pair: Pair<Rule>) -> Name {
        Spanned::new(pair.as_str().to_string(), self.span(&pair))
    }

    /// A statement `KEYWORD name` that may appear once: its name, a repeat recorded.
    fn name_once(&self, slot: &mut Option<Name>, stmt: Pair<Rule>, repeated: &mut Vec<Span>) {
        let span = self.span(&stmt);
        set_once(slot, self.name(last_child(stmt)), span, repeated);
    }

    fn names(&self, pair: Pair<Rule>) -> Vec<Name> {
        pair.into_inner().map(|p| self.name(p)).collect()
    }

    fn values(&self, pair: Pair<Rule>) -> Vec<Value> {
        pair.into_inner().map(|p| self.value(p)).collect()
    }

    fn items(&self, file: Pair<Rule>) -> Vec<Item> {
        file.into_inner().filter(|p| p.as_rule() != Rule::EOI).map(|p| self.item(p)).collect()
    }

    fn item(&self, pair: Pair<Rule>) -> Item {
        match pair.as_rule() {
            Rule::import_decl => Item::Import(self.import(pair)),
            Rule::preset_decl => Item::Preset(Box::new(self.preset(pair))),
            Rule::template_decl => Item::Template(self.template(pair)),
            Rule::mesh_decl => Item::Mesh(self.mesh(pair)),
            Rule::defaults_decl => Item::Defaults(self.defaults(pair)),
            Rule::env_decl => Item::Env(self.env(pair)),
            Rule::provider_decl => Item::Provider(self.provider(pair)),
            Rule::service_decl => Item::Service(Box::new(self.service(pair))),
            Rule::external_decl => Item::External(Box::new(self.external(pair))),
            Rule::gateway_decl => Item::Gateway(self.gateway(pair)),
            Rule::route_decl => Item::Route(self.route(pair)),
            Rule::policy_decl => Item::Policy(self.policy(pair)),
            Rule::jwt_decl => Item::Jwt(Box::new(self.jwt(pair))),
            Rule::limit_decl => Item::Limit(Box::new(self.limit(pair))),
            Rule::sidecar_decl => Item::Sidecar(self.sidecar(pair)),
            Rule::telemetry_decl => Item::Telemetry(self.telemetry(pair)),
            other => unreachable!("not a declaration: {other:?}"),
        }
    }

    // ---- values ------------------------------------------------------------------------

    fn value(&self, pair: Pair<Rule>) -> Value {
        let span = self.span(&pair);
        let inner = match pair.as_rule() {
            Rule::value => next(&mut pair.into_inner()),
            _ => pair,
        };
        let text = inner.as_str();
        let kind = match inner.as_rule() {
            Rule::var_ref => ValueKind::Var(text[1..].to_string()),
            Rule::rate => ValueKind::Rate(text.to_string()),
            Rule::duration => ValueKind::Duration(text.to_string()),
            Rule::percent => ValueKind::Percent(text.trim_end_matches('%').to_string()),
            Rule::number | Rule::integer => ValueKind::Number(text.to_string()),
            Rule::string => ValueKind::Str(self.string(&inner)),
            _ => ValueKind::Ident(text.to_string()),
        };
        Value { kind, span }
    }

    /// Unescapes a string literal and splits out `${name}` interpolations.
    fn string(&self, pair: &Pair<Rule>) -> StrLit {
        crate::literal::string(self.file, self.offset + pair.as_span().start(), pair.as_str())
    }

    fn port_ref(&self, pair: Pair<Rule>) -> PortRef {
        let inner = next(&mut pair.into_inner());
        let span = self.span(&inner);
        match inner.as_rule() {
            Rule::integer => match inner.as_str().parse::<u32>() {
                Ok(n) => PortRef::Number(n, span),
                Err(_) => PortRef::Number(u32::MAX, span),
            },
            _ => PortRef::Name(self.name(inner)),
        }
    }

    fn host(&self, pair: Pair<Rule>) -> Host {
        let inner = next(&mut pair.into_inner());
        match inner.as_rule() {
            Rule::name => Host::Ref(self.name(inner)),
            _ => Host::Literal(self.value(inner)),
        }
    }

    fn hosts(&self, pair: Pair<Rule>) -> Vec<Host> {
        pair.into_inner().filter(|p| p.as_rule() == Rule::host).map(|p| self.host(p)).collect()
    }

    // ---- declarations ------------------------------------------------------------------

    fn mesh(&self, pair: Pair<Rule>) -> MeshDecl {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        next(&mut inner);
        let name = self.name(next(&mut inner));
        let mut decl = MeshDecl {
            name,
            namespace: None,
            root_namespace: None,
            trust_domain: None,
            environments: Vec::new(),
            repeated: Vec::new(),
            span,
        };
        for stmt in inner {
            let rule = stmt.as_rule();
            let stmt_span = self.span(&stmt);
            let mut parts = stmt.into_inner();
            next(&mut parts);
            let arg = next(&mut parts);
            match rule {
                Rule::namespace_stmt => set_once(&mut decl.namespace, self.name(arg), stmt_span, &mut decl.repeated),
                Rule::root_namespace_stmt => {
                    set_once(&mut decl.root_namespace, self.name(arg), stmt_span, &mut decl.repeated)
                }
                Rule::trust_domain_stmt => {
                    set_once(&mut decl.trust_domain, self.value(arg), stmt_span, &mut decl.repeated)
                }
                Rule::environments_stmt => decl.environments.extend(self.names(arg)),
                _ => {}
            }
        }
        decl
    }

    fn defaults(&self, pair: Pair<Rule>) -> DefaultsDecl {
        let span = self.span(&pair);
        let vars = pair
            .into_inner()
            .filter(|p| p.as_rule() == Rule::var_decl)
            .map(|p| {
                let span = self.span(&p);
                let mut inner = p.into_inner();
                let name = self.name(next(&mut inner));
                let mut ty = None;
                let mut default = None;
                for part in inner {
                    match part.as_rule() {
                        Rule::type_name => ty = Some(self.name(next(&mut part.into_inner()))),
                        _ => default = Some(self.value(part)),
                    }
                }
                VarDecl { name, ty, default, span }
            })
            .collect();
        DefaultsDecl { vars, span }
    }

    fn env(&self, pair: Pair<Rule>) -> EnvDecl {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        next(&mut inner);
        let name = self.name(next(&mut inner));
        let mut decl = EnvDecl { name, production: false, values: Vec::new(), span };
        for part in inner {
            match part.as_rule() {
                Rule::production => decl.production = true,
                Rule::var_set => {
                    let span = self.span(&part);
                    let mut p = part.into_inner();
                    let name = self.name(next(&mut p));
                    let value = self.value(next(&mut p));
                    decl.values.push(VarSet { name, value, span });
                }
                _ => {}
            }
        }
        decl
    }

    fn provider(&self, pair: Pair<Rule>) -> ProviderDecl {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        next(&mut inner);
        let name = self.name(next(&mut inner));
        let kind = self.name(next(&mut inner));
        let address = self.value(next(&mut inner));
        ProviderDecl { name, kind, address, span }
    }

    fn port(&self, pair: Pair<Rule>) -> PortDecl {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        next(&mut inner);
        let name = self.name(next(&mut inner));
        let number = self.value(next(&mut inner));
        PortDecl { name, number, span }
    }

    fn settings(&self, stmt: Pair<Rule>) -> Vec<Setting> {
        let mut inner = stmt.into_inner();
        next(&mut inner);
        next(&mut inner)
            .into_inner()
            .map(|s| {
                let mut p = s.into_inner();
                Setting { key: self.name(next(&mut p)), value: self.value(next(&mut p)) }
            })
            .collect()
    }

    /// Handles a traffic-policy statement; returns false when `stmt` is something else.
    fn traffic_policy<'a>(&self, policy: &mut TrafficPolicyDecl, stmt: Pair<'a, Rule>) -> Option<Pair<'a, Rule>> {
        match stmt.as_rule() {
            Rule::pool_stmt => policy.pool.extend(self.settings(stmt)),
            Rule::eject_stmt => policy.eject.extend(self.settings(stmt)),
            Rule::warmup_stmt => {
                if policy.warmup.is_some() {
                    policy.duplicates.push(self.span(&stmt));
                }
                let mut inner = stmt.into_inner();
                next(&mut inner);
                policy.warmup = Some(self.value(next(&mut inner)));
            }
            Rule::balance_stmt => {
                if policy.balance.is_some() {
                    policy.duplicates.push(self.span(&stmt));
                }
                let mut inner = stmt.into_inner();
                next(&mut inner);
                let arg = next(&mut inner);
                policy.balance = Some(match arg.as_rule() {
                    Rule::hash_balance => {
                        let span = self.span(&arg);
                        let mut h = arg.into_inner();
                        next(&mut h);
                        let kind = next(&mut h);
                        match kind.as_rule() {
                            Rule::hash_header => Balance::HashHeader(self.value(last_child(kind)), span),
                            Rule::hash_query => Balance::HashQuery(self.value(last_child(kind)), span),
                            Rule::hash_cookie => {
                                let mut c = kind.into_inner();
                                next(&mut c);
                                let name = self.value(next(&mut c));
                                let ttl = c.nth(1).map(|p| self.value(p));
                                Balance::HashCookie { name, ttl, span }
                            }
                            _ => Balance::HashSourceIp(span),
                        }
                    }
                    _ => Balance::Simple(self.name(arg)),
                });
            }
            Rule::tls_stmt => {
                if policy.tls.is_some() {
                    policy.duplicates.push(self.span(&stmt));
                }
                let span = self.span(&stmt);
                let mut inner = stmt.into_inner();
                next(&mut inner);
                let mode = self.name(next(&mut inner));
                let sni = inner.nth(1).map(|p| self.value(p));
                policy.tls = Some(TlsDecl { mode, sni, span });
            }
            _ => return Some(stmt),
        }
        None
    }

    fn service(&self, pair: Pair<Rule>) -> ServiceDecl {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        next(&mut inner);
        let name = self.name(next(&mut inner));
        let mut decl = ServiceDecl {
            name,
            namespace: None,
            ports: Vec::new(),
            account: None,
            versions: Vec::new(),
            policy: TrafficPolicyDecl::default(),
            route_defaults: Vec::new(),
            uses: Vec::new(),
            repeated: Vec::new(),
            span,
        };
        let mut bag = PresetBody::default();
        for stmt in inner {
            let Some(stmt) = self.body_statement(&mut bag, stmt) else { continue };
            match stmt.as_rule() {
                Rule::port_stmt => decl.ports.push(self.port(stmt)),
                Rule::account_stmt => self.name_once(&mut decl.account, stmt, &mut decl.repeated),
                Rule::versions_stmt => decl.versions.extend(self.names(last_child(stmt))),
                Rule::namespace_stmt => self.name_once(&mut decl.namespace, stmt, &mut decl.repeated),
                _ => {}
            }
        }
        decl.policy = bag.policy;
        decl.route_defaults = bag.options;
        decl.uses = bag.uses;
        decl
    }

    fn external(&self, pair: Pair<Rule>) -> ExternalDecl {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        next(&mut inner);
        let name = self.name(next(&mut inner));
        let mut decl = ExternalDecl {
            name,
            hosts: Vec::new(),
            ports: Vec::new(),
            resolution: None,
            location: None,
            addresses: Vec::new(),
            endpoints: Vec::new(),
            policy: TrafficPolicyDecl::default(),
            via: None,
            uses: Vec::new(),
            repeated: Vec::new(),
            span,
        };
        let mut bag = PresetBody::default();
        for stmt in inner {
            let Some(stmt) = self.body_statement(&mut bag, stmt) else { continue };
            match stmt.as_rule() {
                Rule::hosts_stmt => decl.hosts.extend(self.hosts(stmt)),
                Rule::port_stmt => decl.ports.push(self.port(stmt)),
                Rule::resolution_stmt => self.name_once(&mut decl.resolution, stmt, &mut decl.repeated),
                Rule::location_stmt => self.name_once(&mut decl.location, stmt, &mut decl.repeated),
                Rule::addresses_stmt => decl.addresses.extend(self.values(last_child(stmt))),
                Rule::endpoints_stmt => decl.endpoints.extend(self.values(last_child(stmt))),
                Rule::via_stmt => decl.via = Some(self.name(last_child(stmt))),
                _ => {}
            }
        }
        decl.policy = bag.policy;
        decl.uses = bag.uses;
        decl
    }

    fn gateway(&self, pair: Pair<Rule>) -> GatewayDecl {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        next(&mut inner);
        let name = self.name(next(&mut inner));
        let mut decl = GatewayDecl {
            name,
            egress: false,
            namespace: None,
            hosts: Vec::new(),
            servers: Vec::new(),
            selector: Vec::new(),
            span,
        };
        for stmt in inner {
            match stmt.as_rule() {
                Rule::gateway_kind => decl.egress = stmt.as_str() == "egress",
                Rule::hosts_stmt => decl.hosts.extend(self.hosts(stmt)),
                Rule::namespace_stmt => decl.namespace = Some(self.name(last_child(stmt))),
                Rule::selector_stmt => {
                    for pair in stmt.into_inner().filter(|p| p.as_rule() == Rule::label_pair) {
                        let mut p = pair.into_inner();
                        let key = self.name(next(&mut p));
                        let value = self.value(next(&mut p));
                        decl.selector.push((key, value));
                    }
                }
                Rule::server_stmt => decl.servers.push(self.server(stmt)),
                _ => {}
            }
        }
        decl
    }

    fn server(&self, pair: Pair<Rule>) -> ServerDecl {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let protocol = match next(&mut inner).as_str() {
            "https" => ServerProtocol::Https,
            "tls" => ServerProtocol::Tls,
            "tcp" => ServerProtocol::Tcp,
            _ => ServerProtocol::Http,
        };
        let port = self.value(next(&mut inner));
        let mut server =
            ServerDecl { protocol, port, redirect: None, passthrough: None, mutual: None, cert: None, span };
        for option in inner {
            let ospan = self.span(&option);
            match option.as_str().split_whitespace().next().unwrap_or_default() {
                "redirect" => server.redirect = Some(ospan),
                "passthrough" => server.passthrough = Some(ospan),
                "mutual" => server.mutual = Some(ospan),
                _ => server.cert = Some(self.value(last_child(option))),
            }
        }
        server
    }

    fn route(&self, pair: Pair<Rule>) -> RouteDecl {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        next(&mut inner);
        let name = self.name(next(&mut inner));
        let mut decl = RouteDecl {
            name,
            via: Vec::new(),
            hosts: Vec::new(),
            rules: Vec::new(),
            options: Vec::new(),
            uses: Vec::new(),
            span,
        };
        let mut bag = PresetBody::default();
        for stmt in inner {
            let Some(stmt) = self.body_statement(&mut bag, stmt) else { continue };
            match stmt.as_rule() {
                Rule::name_list => decl.via = self.names(stmt),
                Rule::hosts_stmt => decl.hosts.extend(self.hosts(stmt)),
                Rule::route_rule => decl.rules.push(self.rule(stmt)),
                _ => {}
            }
        }
        decl.options = bag.options;
        decl.uses = bag.uses;
        decl
    }

    fn rule(&self, pair: Pair<Rule>) -> RouteRule {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let matcher = next(&mut inner);
        let match_span = self.span(&matcher);
        let conditions = matcher
            .into_inner()
            .filter(|p| p.as_rule() == Rule::condition)
            .map(|c| self.condition(next(&mut c.into_inner())))
            .collect();
        let action = self.action(next(&mut inner));
        let mut bag = PresetBody::default();
        if let Some(block) = inner.next() {
            for stmt in block.into_inner() {
                self.body_statement(&mut bag, stmt);
            }
        }
        RouteRule { conditions, action, options: bag.options, uses: bag.uses, span, match_span }
    }

    fn string_test(&self, pair: Pair<Rule>) -> StringTest {
        let text = pair.as_str().trim_start();
        let mut inner = pair.into_inner();
        if text.starts_with("present") {
            StringTest::Present
        } else if text.starts_with("absent") {
            StringTest::Absent
        } else if text.starts_with('=') {
            StringTest::Exact(self.value(next(&mut inner)))
        } else {
            let kw = next(&mut inner);
            let value = self.value(next(&mut inner));
            if kw.as_rule() == Rule::K_prefix {
                StringTest::Prefix(value)
            } else {
                StringTest::Regex(value)
            }
        }
    }

    fn condition(&self, pair: Pair<Rule>) -> Condition {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let mut inner = pair.into_inner();
        let head = next(&mut inner);
        match rule {
            Rule::uri_condition => {
                let kind = match head.as_str() {
                    "exact" => UriKind::Exact,
                    "regex" => UriKind::Regex,
                    _ => UriKind::Prefix,
                };
                Condition::Uri { kind, values: inner.map(|v| self.value(v)).collect(), span }
            }
            Rule::method_condition => Condition::Method { methods: self.names(next(&mut inner)), span },
            Rule::header_condition => {
                let name = self.value(next(&mut inner));
                Condition::Header { name, test: self.string_test(next(&mut inner)), span }
            }
            Rule::query_condition => {
                let name = self.value(next(&mut inner));
                Condition::Query { name, test: self.string_test(next(&mut inner)), span }
            }
            Rule::sni_condition => Condition::Sni { hosts: inner.map(|v| self.value(v)).collect(), span },
            _ => Condition::Tcp { port: inner.next().map(|v| self.value(v)), span },
        }
    }

    fn destination(&self, pair: Pair<Rule>) -> Destination {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let target = self.name(next(&mut inner));
        let mut dest = Destination { target, version: None, port: None, weight: None, span };
        for part in inner {
            match part.as_rule() {
                Rule::name => dest.version = Some(self.name(part)),
                Rule::port_ref => dest.port = Some(self.port_ref(part)),
                _ => dest.weight = Some(self.value(part)),
            }
        }
        dest
    }

    fn action(&self, pair: Pair<Rule>) -> Action {
        let inner = next(&mut pair.into_inner());
        let span = self.span(&inner);
        match inner.as_rule() {
            Rule::forward => Action::Forward(inner.into_inner().map(|d| self.destination(d)).collect()),
            Rule::redirect => {
                let parts = inner
                    .into_inner()
                    .filter(|p| p.as_rule() == Rule::redirect_part)
                    .map(|p| {
                        let mut kv = p.into_inner();
                        let key = self.name(next(&mut kv));
                        (key, self.value(next(&mut kv)))
                    })
                    .collect();
                Action::Redirect { parts, span }
            }
            _ => {
                let mut r = inner.into_inner();
                next(&mut r);
                let status = self.value(next(&mut r));
                let body = r.next().map(|b| self.value(b));
                Action::Respond { status, body, span }
            }
        }
    }

    fn rule_option(&self, pair: Pair<Rule>) -> RuleOption {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let mut inner = pair.into_inner();
        match rule {
            Rule::timeout_opt => {
                next(&mut inner);
                RuleOption::Timeout(self.value(next(&mut inner)), span)
            }
            Rule::retry_opt => {
                next(&mut inner);
                let mut retry = RetryDecl { attempts: None, per_try: None, on: Vec::new(), span };
                for part in inner {
                    match part.as_rule() {
                        Rule::value if retry.attempts.is_none() => retry.attempts = Some(self.value(part)),
                        Rule::value => retry.per_try = Some(self.value(part)),
                        Rule::retry_condition => retry.on.push(self.name(part)),
                        _ => {}
                    }
                }
                RuleOption::Retry(retry)
            }
            Rule::rewrite_opt => {
                next(&mut inner);
                let first = next(&mut inner);
                let kind = match first.as_rule() {
                    Rule::K_authority => RewriteKind::Authority(self.value(next(&mut inner))),
                    Rule::K_regex => {
                        let pattern = self.value(next(&mut inner));
                        RewriteKind::Regex { pattern, replacement: self.value(next(&mut inner)) }
                    }
                    _ => RewriteKind::Uri(self.value(first)),
                };
                RuleOption::Rewrite(Rewrite { kind, span })
            }
            Rule::fault_opt => {
                next(&mut inner);
                let kind =
                    if next(&mut inner).as_rule() == Rule::K_delay { FaultKind::Delay } else { FaultKind::Abort };
                let value = self.value(next(&mut inner));
                let percent = self.value(next(&mut inner));
                RuleOption::Fault(Fault { kind, value, percent, span })
            }
            Rule::mirror_opt => {
                next(&mut inner);
                RuleOption::Mirror(self.destination(next(&mut inner)), span)
            }
            Rule::cors_opt => {
                let items = inner
                    .filter(|p| p.as_rule() == Rule::cors_item)
                    .map(|item| {
                        let mut p = item.into_inner();
                        let key = self.name(next(&mut p));
                        (key, p.next().map(|l| self.values(l)).unwrap_or_default())
                    })
                    .collect();
                RuleOption::Cors(items, span)
            }
            _ => {
                let side =
                    if next(&mut inner).as_str() == "request" { HeaderSide::Request } else { HeaderSide::Response };
                let op_kw = next(&mut inner);
                let op = match op_kw.as_rule() {
                    Rule::K_set => {
                        let k = self.value(next(&mut inner));
                        HeaderOp::Set(k, self.value(next(&mut inner)))
                    }
                    Rule::K_add => {
                        let k = self.value(next(&mut inner));
                        HeaderOp::Add(k, self.value(next(&mut inner)))
                    }
                    _ => HeaderOp::Remove(self.values(next(&mut inner))),
                };
                RuleOption::Headers(HeaderEdit { side, op, span })
            }
        }
    }

    fn policy(&self, pair: Pair<Rule>) -> PolicyDecl {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        next(&mut inner);
        let target_pair = next(&mut inner);
        let target_inner = next(&mut target_pair.into_inner());
        let target = match target_inner.as_rule() {
            Rule::K_namespace => PolicyTarget::Namespace(self.span(&target_inner)),
            Rule::K_mesh => PolicyTarget::Mesh(self.span(&target_inner)),
            _ => PolicyTarget::Workload(self.name(target_inner)),
        };
        let mut bag = PresetBody::default();
        for stmt in inner {
            self.body_statement(&mut bag, stmt);
        }
        PolicyDecl { target, mtls: bag.mtls, default_deny: bag.default_deny, rules: bag.rules, uses: bag.uses, span }
    }

    fn auth_rule(&self, pair: Pair<Rule>) -> AuthRule {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let action = match next(&mut inner).as_str() {
            "deny" => AuthAction::Deny,
            "audit" => AuthAction::Audit,
            _ => AuthAction::Allow,
        };
        let mut rule = AuthRule { action, from: Vec::new(), to: None, when: Vec::new(), span };
        for clause in inner {
            let cspan = self.span(&clause);
            match clause.as_rule() {
                Rule::from_clause => {
                    for source in clause.into_inner().filter(|p| p.as_rule() == Rule::source) {
                        let s = next(&mut source.into_inner());
                        let sspan = self.span(&s);
                        rule.from.push(match s.as_rule() {
                            Rule::source_namespace => Source::Namespace(self.name(last_child(s))),
                            Rule::source_account => Source::Account(self.name(last_child(s))),
                            Rule::source_jwt => Source::Jwt(s.into_inner().nth(1).map(|v| self.value(v)), sspan),
                            Rule::source_ip => Source::Ip(self.value(last_child(s))),
                            _ => Source::Workload(self.name(s)),
                        });
                    }
                }
                Rule::to_clause => {
                    let mut op = Operation { methods: Vec::new(), paths: Vec::new(), ports: Vec::new(), span: cspan };
                    for part in clause.into_inner() {
                        match part.as_rule() {
                            Rule::method => op.methods.push(self.name(part)),
                            Rule::string => op.paths.push(self.value(part)),
                            Rule::port_ref => op.ports.push(self.port_ref(part)),
                            _ => {}
                        }
                    }
                    rule.to = Some(op);
                }
                _ => rule.when.push(self.when(clause)),
            }
        }
        rule
    }

    fn when(&self, pair: Pair<Rule>) -> WhenClause {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        next(&mut inner);
        let key_pair = next(&mut inner);
        let mut key_parts = key_pair.into_inner();
        let first = next(&mut key_parts);
        let key = match first.as_rule() {
            Rule::K_header => WhenKey::Header(self.value(next(&mut key_parts))),
            Rule::K_claim => WhenKey::Claim(self.value(next(&mut key_parts))),
            _ => WhenKey::Raw(self.value(first)),
        };
        let test_pair = next(&mut inner);
        let text = test_pair.as_str().trim_start().to_string();
        let list = test_pair
            .into_inner()
            .find(|p| p.as_rule() == Rule::value_list)
            .map(|l| self.values(l))
            .unwrap_or_default();
        let test = if text.starts_with("present") {
            WhenTest::Present
        } else if text.starts_with("absent") {
            WhenTest::Absent
        } else if text.starts_with("not") {
            WhenTest::NotIn(list)
        } else {
            WhenTest::In(list)
        };
        WhenClause { key, test, span }
    }

    fn jwt(&self, pair: Pair<Rule>) -> JwtDecl {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        next(&mut inner);
        let name = self.name(next(&mut inner));
        let mut decl = JwtDecl {
            name,
            on: Vec::new(),
            issuer: None,
            audiences: Vec::new(),
            jwks: None,
            from: Vec::new(),
            claims: Vec::new(),
            forward: false,
            require: None,
            repeated: Vec::new(),
            span,
        };
        for stmt in inner {
            let sspan = self.span(&stmt);
            match stmt.as_rule() {
                Rule::on_stmt => decl.on.extend(self.names(last_child(stmt))),
                Rule::issuer_stmt => {
                    set_once(&mut decl.issuer, self.value(last_child(stmt)), sspan, &mut decl.repeated)
                }
                Rule::audiences_stmt => decl.audiences.extend(self.values(last_child(stmt))),
                Rule::jwks_stmt => set_once(&mut decl.jwks, self.value(last_child(stmt)), sspan, &mut decl.repeated),
                Rule::token_from => {
                    for loc in stmt.into_inner().filter(|p| p.as_rule() == Rule::token_location) {
                        let mut p = loc.into_inner();
                        let kw = next(&mut p);
                        let first = self.value(next(&mut p));
                        decl.from.push(match kw.as_rule() {
                            Rule::K_header => {
                                TokenLocation::Header { name: first, prefix: p.nth(1).map(|v| self.value(v)) }
                            }
                            Rule::K_param => TokenLocation::Param(first),
                            _ => TokenLocation::Cookie(first),
                        });
                    }
                }
                Rule::claim_stmt => {
                    let mut p = stmt.into_inner();
                    next(&mut p);
                    let claim = self.name(next(&mut p));
                    decl.claims.push((claim, self.value(next(&mut p))));
                }
                Rule::forward_stmt => decl.forward = true,
                Rule::require_stmt => {
                    let except = stmt
                        .into_inner()
                        .find(|p| p.as_rule() == Rule::value_list)
                        .map(|l| self.values(l))
                        .unwrap_or_default();
                    decl.require = Some((except, sspan));
                }
                _ => {}
            }
        }
        decl
    }

    fn limit(&self, pair: Pair<Rule>) -> LimitDecl {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        next(&mut inner);
        let target = self.name(next(&mut inner));
        let mut bag = PresetBody::default();
        for stmt in inner {
            self.body_statement(&mut bag, stmt);
        }
        LimitDecl { target, local: bag.local, global: bag.global, uses: bag.uses, repeated: bag.repeated, span }
    }

    fn sidecar(&self, pair: Pair<Rule>) -> SidecarDecl {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        next(&mut inner);
        let target = self.name(next(&mut inner));
        let mut decl = SidecarDecl { target, egress: Vec::new(), ingress: Vec::new(), outbound: None, span };
        for stmt in inner {
            let sspan = self.span(&stmt);
            match stmt.as_rule() {
                Rule::egress_stmt => {
                    let mut egress = EgressDecl { port: None, hosts: Vec::new(), span: sspan };
                    for part in stmt.into_inner() {
                        match part.as_rule() {
                            Rule::value => egress.port = Some(self.value(part)),
                            Rule::egress_host => {
                                let hspan = self.span(&part);
                                let mut h = part.into_inner();
                                let first = next(&mut h);
                                egress.hosts.push(match first.as_rule() {
                                    Rule::K_local => EgressHost::Local(hspan),
                                    Rule::K_namespace => EgressHost::Namespace(self.name(next(&mut h))),
                                    _ => EgressHost::Ref(self.name(first)),
                                });
                            }
                            _ => {}
                        }
                    }
                    decl.egress.push(egress);
                }
                Rule::ingress_stmt => {
                    let mut p = stmt.into_inner();
                    next(&mut p);
                    let port = self.name(next(&mut p));
                    let endpoint = p.nth(1).map(|v| self.value(v));
                    decl.ingress.push(IngressDecl { port, endpoint, span: sspan });
                }
                Rule::outbound_stmt => decl.outbound = Some(self.name(last_child(stmt))),
                _ => {}
            }
        }
        decl
    }

    fn telemetry(&self, pair: Pair<Rule>) -> TelemetryDecl {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        next(&mut inner);
        let mut target = None;
        let mut bag = PresetBody::default();
        for stmt in inner {
            let Some(stmt) = self.body_statement(&mut bag, stmt) else { continue };
            if stmt.as_rule() == Rule::name {
                target = Some(self.name(stmt));
            }
        }
        TelemetryDecl {
            target,
            tracing: bag.tracing,
            tags: bag.tags,
            metrics: bag.metrics,
            access_logs: bag.access_logs,
            uses: bag.uses,
            span,
        }
    }

    // ---- statements shared by declarations and presets ----------------------------------

    /// Handles a statement that may also come from a preset; returns any other statement.
    fn body_statement<'a>(&self, bag: &mut PresetBody, stmt: Pair<'a, Rule>) -> Option<Pair<'a, Rule>> {
        let sspan = self.span(&stmt);
        let family = match stmt.as_rule() {
            Rule::pool_stmt | Rule::eject_stmt | Rule::balance_stmt | Rule::warmup_stmt | Rule::tls_stmt => {
                self.traffic_policy(&mut bag.policy, stmt);
                StatementFamily::TrafficPolicy
            }
            Rule::timeout_opt
            | Rule::retry_opt
            | Rule::rewrite_opt
            | Rule::fault_opt
            | Rule::mirror_opt
            | Rule::cors_opt
            | Rule::header_edit => {
                bag.options.push(self.rule_option(stmt));
                StatementFamily::RouteOption
            }
            Rule::mtls_stmt => {
                let values: Vec<Value> =
                    stmt.into_inner().filter(|p| p.as_rule() == Rule::value).map(|v| self.value(v)).collect();
                let mut values = values.into_iter().rev();
                let mode = values.next()?;
                bag.mtls.push(MtlsDecl { port: values.next(), mode, span: sspan });
                StatementFamily::Policy
            }
            Rule::default_stmt => {
                set_once(&mut bag.default_deny, sspan, sspan, &mut bag.repeated);
                StatementFamily::Policy
            }
            Rule::auth_rule => {
                bag.rules.push(self.auth_rule(stmt));
                StatementFamily::Policy
            }
            Rule::local_stmt => {
                let values: Vec<Value> =
                    stmt.into_inner().filter(|p| p.as_rule() == Rule::value).map(|v| self.value(v)).collect();
                let mut values = values.into_iter();
                let rate = values.next()?;
                set_once(
                    &mut bag.local,
                    LocalLimit { rate, burst: values.next(), span: sspan },
                    sspan,
                    &mut bag.repeated,
                );
                StatementFamily::Limit
            }
            Rule::global_stmt => {
                let global = self.global_limit(stmt);
                set_once(&mut bag.global, global, sspan, &mut bag.repeated);
                StatementFamily::Limit
            }
            Rule::tracing_stmt => {
                let mut p = stmt.into_inner();
                next(&mut p);
                let provider = self.name(next(&mut p));
                let sampling = p.nth(1).map(|v| self.value(v));
                bag.tracing.push(TracingDecl { provider, sampling, span: sspan });
                StatementFamily::Telemetry
            }
            Rule::tag_stmt => {
                let mut p = stmt.into_inner();
                next(&mut p);
                let name = self.name(next(&mut p));
                let mut t = next(&mut p).into_inner();
                let first = next(&mut t);
                let value = match first.as_rule() {
                    Rule::K_header => {
                        TagValue::Header { name: self.value(next(&mut t)), default: t.nth(1).map(|v| self.value(v)) }
                    }
                    Rule::K_environment => TagValue::Environment {
                        name: self.value(next(&mut t)),
                        default: t.nth(1).map(|v| self.value(v)),
                    },
                    _ => TagValue::Literal(self.value(first)),
                };
                bag.tags.push(TagDecl { name, value, span: sspan });
                StatementFamily::Telemetry
            }
            Rule::metrics_stmt => {
                bag.metrics.extend(self.names(last_child(stmt)));
                StatementFamily::Telemetry
            }
            Rule::access_log_stmt => {
                let mut p = stmt.into_inner();
                next(&mut p);
                let provider = self.name(next(&mut p));
                let filter = p.nth(1).map(|v| self.value(v));
                bag.access_logs.push(AccessLogDecl { provider, filter, span: sspan });
                StatementFamily::Telemetry
            }
            Rule::use_stmt => {
                bag.uses.push(self.use_decl(stmt));
                return None;
            }
            _ => return Some(stmt),
        };
        bag.statements.push((family, sspan));
        None
    }

    fn global_limit(&self, stmt: Pair<Rule>) -> GlobalLimit {
        let sspan = self.span(&stmt);
        let mut p = stmt.into_inner();
        next(&mut p);
        let service = self.name(next(&mut p));
        let mut global =
            GlobalLimit { service, port: None, domain: None, descriptors: Vec::new(), timeout: None, span: sspan };
        let mut last_kw = Rule::K_global;
        for part in p {
            match part.as_rule() {
                Rule::port_ref => global.port = Some(self.port_ref(part)),
                Rule::value if last_kw == Rule::K_domain => global.domain = Some(self.value(part)),
                Rule::value => global.timeout = Some(self.value(part)),
                Rule::descriptor => {
                    let dspan = self.span(&part);
                    let mut d = part.into_inner();
                    let kw = next(&mut d);
                    global.descriptors.push(match kw.as_rule() {
                        Rule::K_remote_address => Descriptor::RemoteAddress(dspan),
                        Rule::K_path => Descriptor::Path(dspan),
                        _ => Descriptor::Header(self.value(next(&mut d))),
                    });
                }
                other => last_kw = other,
            }
        }
        global
    }

    fn use_decl(&self, pair: Pair<Rule>) -> UseDecl {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        next(&mut inner);
        let preset = self.name(next(&mut inner));
        let args = inner
            .map(|arg| {
                let mut parts: Vec<Pair<Rule>> = arg.into_inner().collect();
                let value = self.value(parts.pop().expect("grammar guarantees a value"));
                Arg { name: parts.pop().map(|n| self.name(n)), value }
            })
            .collect();
        UseDecl { preset, args, span }
    }

    fn import(&self, pair: Pair<Rule>) -> ImportDecl {
        let span = self.span(&pair);
        let mut decl = ImportDecl { path: Spanned::new(String::new(), span), names: Vec::new(), alias: None, span };
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::import_names => decl.names = part.into_inner().map(|n| self.name(n)).collect(),
                Rule::string => {
                    let text = self.string(&part).as_plain().unwrap_or_default();
                    decl.path = Spanned::new(text, self.span(&part));
                }
                Rule::name => decl.alias = Some(self.name(part)),
                _ => {}
            }
        }
        decl
    }

    fn preset(&self, pair: Pair<Rule>) -> PresetDecl {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        next(&mut inner);
        let name = self.name(next(&mut inner));
        let mut params = Vec::new();
        let mut body = PresetBody::default();
        for part in inner {
            if part.as_rule() == Rule::param {
                let pspan = self.span(&part);
                let mut p = part.into_inner();
                let name = self.name(next(&mut p));
                let mut param = ParamDecl { name, ty: None, default: None, span: pspan };
                for rest in p {
                    match rest.as_rule() {
                        Rule::type_name => param.ty = Some(self.name(next(&mut rest.into_inner()))),
                        _ => param.default = Some(self.value(rest)),
                    }
                }
                params.push(param);
            } else {
                self.body_statement(&mut body, part);
            }
        }
        PresetDecl { name, params, body, span }
    }

    fn template(&self, pair: Pair<Rule>) -> TemplateDecl {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        next(&mut inner);
        let name = self.name(next(&mut inner));
        let path = self.value(next(&mut inner));
        TemplateDecl { name, path, span }
    }
}

/// Where a `#` comment starts on this line, ignoring `#` inside string literals.
fn comment_start(line: &str) -> Option<usize> {
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            '#' if !in_string => return Some(i),
            _ => {}
        }
    }
    None
}

/// Sets a single statement's value; a second occurrence is recorded, not silently kept.
pub(crate) fn set_once<T>(slot: &mut Option<T>, value: T, span: Span, repeated: &mut Vec<Span>) {
    if slot.is_some() {
        repeated.push(span);
    }
    *slot = Some(value);
}

fn last_child(pair: Pair<Rule>) -> Pair<Rule> {
    pair.into_inner().last().expect("grammar guarantees an argument")
}
