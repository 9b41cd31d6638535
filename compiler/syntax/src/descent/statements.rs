//! Statements shared by declarations and presets (`preset_stmt` in the grammar), route
//! rules with their matches and actions, and authorization rules.

use super::{set_once, Descent, Terminal};
use crate::ast::*;
use crate::span::Span;

/// Words that start a `route_rule` (its `matcher`).
pub(super) fn starts_rule(word: &str) -> bool {
    matches!(word, "any" | "prefix" | "exact" | "regex" | "method" | "header" | "query" | "sni" | "tcp")
}

/// Words that start a `rule_option`.
pub(super) fn starts_rule_option(word: &str) -> bool {
    matches!(word, "timeout" | "retry" | "rewrite" | "fault" | "mirror" | "cors" | "request" | "response")
}

impl<'a> Descent<'a> {
    /// One `preset_stmt` led by `word`, recorded in `bag` as the pest builder's
    /// `body_statement` does (every statement but `use` also in `bag.statements`).
    pub(super) fn bag_statement(&mut self, word: &str, bag: &mut PresetBody) -> Option<()> {
        let start = self.start();
        let family = match word {
            "pool" | "eject" | "balance" | "warmup" | "tls" => {
                self.traffic_policy(word, &mut bag.policy)?;
                StatementFamily::TrafficPolicy
            }
            _ if starts_rule_option(word) => {
                let option = self.rule_option(word)?;
                bag.options.push(option);
                StatementFamily::RouteOption
            }
            "mtls" => {
                self.keyword(word)?;
                let port = self.attempt(|p| {
                    p.keyword("port")?;
                    p.value()
                });
                let mode = self.value()?;
                bag.mtls.push(MtlsDecl { port, mode, span: self.span_from(start) });
                StatementFamily::Policy
            }
            "default" => {
                self.keyword(word)?;
                self.keyword("deny")?;
                let span = self.span_from(start);
                set_once(&mut bag.default_deny, span, span, &mut bag.repeated);
                StatementFamily::Policy
            }
            "allow" | "deny" | "audit" => {
                let rule = self.auth_rule(word)?;
                bag.rules.push(rule);
                StatementFamily::Policy
            }
            "local" => {
                self.keyword(word)?;
                let rate = self.value()?;
                let burst = self.attempt(|p| {
                    p.keyword("burst")?;
                    p.value()
                });
                let span = self.span_from(start);
                set_once(&mut bag.local, LocalLimit { rate, burst, span }, span, &mut bag.repeated);
                StatementFamily::Limit
            }
            "global" => {
                let global = self.global_limit()?;
                let span = global.span;
                set_once(&mut bag.global, global, span, &mut bag.repeated);
                StatementFamily::Limit
            }
            "tracing" => {
                self.keyword(word)?;
                let provider = self.name()?;
                let sampling = self.attempt(|p| {
                    p.keyword("sampling")?;
                    p.value()
                });
                bag.tracing.push(TracingDecl { provider, sampling, span: self.span_from(start) });
                StatementFamily::Telemetry
            }
            "tag" => {
                self.keyword(word)?;
                let name = self.name()?;
                self.symbol("=")?;
                let value = self.tag_value()?;
                bag.tags.push(TagDecl { name, value, span: self.span_from(start) });
                StatementFamily::Telemetry
            }
            "metrics" => {
                self.keyword(word)?;
                bag.metrics.extend(self.names()?);
                StatementFamily::Telemetry
            }
            "access_log" => {
                self.keyword(word)?;
                let provider = self.name()?;
                let filter = self.attempt(|p| {
                    p.keyword("filter")?;
                    p.value()
                });
                bag.access_logs.push(AccessLogDecl { provider, filter, span: self.span_from(start) });
                StatementFamily::Telemetry
            }
            "use" => {
                let use_decl = self.use_stmt()?;
                bag.uses.push(use_decl);
                return Some(());
            }
            _ => return None,
        };
        bag.statements.push((family, self.span_from(start)));
        Some(())
    }

    /// `pool_stmt`, `eject_stmt`, `balance_stmt`, `warmup_stmt` and `tls_stmt`.
    fn traffic_policy(&mut self, word: &str, policy: &mut TrafficPolicyDecl) -> Option<()> {
        let start = self.start();
        self.keyword(word)?;
        match word {
            "pool" | "eject" => {
                // `settings = setting ~ ("," ~ setting)*`, `setting = name ~ value`.
                let settings = self.comma_list(|p| Some(Setting { key: p.name()?, value: p.value()? }))?;
                if word == "pool" { &mut policy.pool } else { &mut policy.eject }.extend(settings);
            }
            "warmup" => {
                let value = self.value()?;
                if policy.warmup.is_some() {
                    policy.duplicates.push(self.span_from(start));
                }
                policy.warmup = Some(value);
            }
            "balance" => {
                let balance = match self.attempt(Self::hash_balance) {
                    Some(hash) => hash,
                    None => Balance::Simple(self.name()?),
                };
                if policy.balance.is_some() {
                    policy.duplicates.push(self.span_from(start));
                }
                policy.balance = Some(balance);
            }
            _ => {
                let mode = self.name()?;
                let sni = self.attempt(|p| {
                    p.keyword("sni")?;
                    p.value()
                });
                let span = self.span_from(start);
                if policy.tls.is_some() {
                    policy.duplicates.push(span);
                }
                policy.tls = Some(TlsDecl { mode, sni, span });
            }
        }
        Some(())
    }

    /// `hash_balance = K_hash ~ (hash_header | hash_cookie | hash_query | K_source_ip)`.
    fn hash_balance(&mut self) -> Option<Balance> {
        let start = self.start();
        self.keyword("hash")?;
        let word = self.peek_word();
        self.keyword(word)?;
        Some(match word {
            "header" => Balance::HashHeader(self.value()?, self.span_from(start)),
            "query" => Balance::HashQuery(self.value()?, self.span_from(start)),
            "cookie" => {
                let name = self.value()?;
                let ttl = self.attempt(|p| {
                    p.keyword("ttl")?;
                    p.value()
                });
                Balance::HashCookie { name, ttl, span: self.span_from(start) }
            }
            "source_ip" => Balance::HashSourceIp(self.span_from(start)),
            _ => return None,
        })
    }

    /// `tag_value = (K_header ~ value ~ (K_default ~ value)?) | (K_environment ~ value ~
    /// (K_default ~ value)?) | value`.
    fn tag_value(&mut self) -> Option<TagValue> {
        for word in ["header", "environment"] {
            let keyed = self.attempt(|p| {
                p.keyword(word)?;
                let name = p.value()?;
                let default = p.attempt(|p| {
                    p.keyword("default")?;
                    p.value()
                });
                Some((name, default))
            });
            if let Some((name, default)) = keyed {
                return Some(match word {
                    "header" => TagValue::Header { name, default },
                    _ => TagValue::Environment { name, default },
                });
            }
        }
        self.value().map(TagValue::Literal)
    }

    /// `K_global ~ name ~ (":" ~ port_ref)? ~ (K_domain ~ value)? ~ (K_by ~ descriptor ~ (","
    /// ~ descriptor)*)? ~ (K_timeout ~ value)?`.
    fn global_limit(&mut self) -> Option<GlobalLimit> {
        let start = self.start();
        self.keyword("global")?;
        let service = self.name()?;
        let port = self.attempt(|p| {
            p.symbol(":")?;
            p.port_ref()
        });
        let domain = self.attempt(|p| {
            p.keyword("domain")?;
            p.value()
        });
        let descriptors = self
            .attempt(|p| {
                p.keyword("by")?;
                p.comma_list(Self::descriptor)
            })
            .unwrap_or_default();
        let timeout = self.attempt(|p| {
            p.keyword("timeout")?;
            p.value()
        });
        Some(GlobalLimit { service, port, domain, descriptors, timeout, span: self.span_from(start) })
    }

    /// `descriptor = K_remote_address | K_path | (K_header ~ value)`.
    fn descriptor(&mut self) -> Option<Descriptor> {
        match self.peek_word() {
            "remote_address" => self.keyword("remote_address").map(Descriptor::RemoteAddress),
            "path" => self.keyword("path").map(Descriptor::Path),
            "header" => {
                self.keyword("header")?;
                self.value().map(Descriptor::Header)
            }
            _ => None,
        }
    }

    /// `use_stmt = K_use ~ qualified_name ~ "(" ~ (arg ~ ("," ~ arg)*)? ~ ")"`.
    fn use_stmt(&mut self) -> Option<UseDecl> {
        let start = self.start();
        self.keyword("use")?;
        let preset = self.token(|scan, at| scan.qualified_name(at))?;
        let preset = self.spanned(preset);
        self.symbol("(")?;
        // `arg = (name ~ "=")? ~ value`.
        let arg = |p: &mut Self| {
            let name = p.attempt(|p| {
                let name = p.name()?;
                p.symbol("=")?;
                Some(name)
            });
            Some(Arg { name, value: p.value()? })
        };
        let args = self.attempt(|p| p.comma_list(arg)).unwrap_or_default();
        self.symbol(")")?;
        Some(UseDecl { preset, args, span: self.span_from(start) })
    }

    // ---- routes ----------------------------------------------------------------------------

    /// `route_rule = matcher ~ action ~ rule_block?`.
    pub(super) fn route_rule(&mut self) -> Option<RouteRule> {
        let start = self.start();
        let conditions = if self.keyword("any").is_some() {
            Vec::new()
        } else {
            let mut conditions = vec![self.condition()?];
            while let Some(next) = self.attempt(|p| {
                p.keyword("and")?;
                p.condition()
            }) {
                conditions.push(next);
            }
            conditions
        };
        let match_span = self.span_from(start);
        let action = self.action()?;
        let mut bag = PresetBody::default();
        let next = self.start();
        if self.scan.symbol(next, "{").is_some() {
            self.block(
                |p, word| {
                    if starts_rule_option(word) || word == "use" {
                        p.bag_statement(word, &mut bag)
                    } else {
                        None
                    }
                },
            )?;
        }
        Some(RouteRule {
            conditions,
            action,
            options: bag.options,
            uses: bag.uses,
            span: self.span_from(start),
            match_span,
        })
    }

    /// `condition`: the match its keyword starts.
    fn condition(&mut self) -> Option<Condition> {
        let start = self.start();
        let word = self.peek_word();
        self.keyword(word)?;
        Some(match word {
            "prefix" | "exact" | "regex" => {
                let kind = match word {
                    "exact" => UriKind::Exact,
                    "regex" => UriKind::Regex,
                    _ => UriKind::Prefix,
                };
                let values = self.values()?;
                Condition::Uri { kind, values, span: self.span_from(start) }
            }
            "method" => {
                let methods = self.names()?;
                Condition::Method { methods, span: self.span_from(start) }
            }
            "header" | "query" => {
                let name = self.value()?;
                let test = self.string_test()?;
                let span = self.span_from(start);
                if word == "header" {
                    Condition::Header { name, test, span }
                } else {
                    Condition::Query { name, test, span }
                }
            }
            "sni" => {
                let hosts = self.values()?;
                Condition::Sni { hosts, span: self.span_from(start) }
            }
            "tcp" => {
                let port = self.attempt(Self::value);
                Condition::Tcp { port, span: self.span_from(start) }
            }
            _ => return None,
        })
    }

    /// `string_test = K_present | K_absent | ("=" ~ value) | (K_prefix ~ value) | (K_regex ~ value)`.
    fn string_test(&mut self) -> Option<StringTest> {
        if self.symbol("=").is_some() {
            return self.value().map(StringTest::Exact);
        }
        let word = self.peek_word();
        self.keyword(word)?;
        Some(match word {
            "present" => StringTest::Present,
            "absent" => StringTest::Absent,
            "prefix" => StringTest::Prefix(self.value()?),
            "regex" => StringTest::Regex(self.value()?),
            _ => return None,
        })
    }

    /// `action = forward | redirect | respond`.
    fn action(&mut self) -> Option<Action> {
        let start = self.start();
        if self.symbol("->").is_some() {
            return self.comma_list(Self::destination).map(Action::Forward);
        }
        match self.peek_word() {
            "redirect" => {
                self.keyword("redirect")?;
                // `redirect_part+`, each `KEYWORD ~ value`.
                let part = |p: &mut Self| {
                    let word = p.peek_word();
                    if !matches!(word, "uri" | "authority" | "scheme" | "code" | "port") {
                        return None;
                    }
                    let key = p.keyword_name(word)?;
                    Some((key, p.value()?))
                };
                let mut parts = vec![self.attempt(part)?];
                while let Some(next) = self.attempt(part) {
                    parts.push(next);
                }
                Some(Action::Redirect { parts, span: self.span_from(start) })
            }
            "respond" => {
                self.keyword("respond")?;
                let status = self.value()?;
                let body = self.attempt(Self::string);
                Some(Action::Respond { status, body, span: self.span_from(start) })
            }
            _ => None,
        }
    }

    /// `destination = name ~ ("@" ~ name)? ~ (":" ~ port_ref)? ~ (percent | var_ref)?`.
    fn destination(&mut self) -> Option<Destination> {
        let start = self.start();
        let target = self.name()?;
        let version = self.attempt(|p| {
            p.symbol("@")?;
            p.name()
        });
        let port = self.attempt(|p| {
            p.symbol(":")?;
            p.port_ref()
        });
        let weight = self.attempt(|p| p.value_of(&[Terminal::Percent, Terminal::Var]));
        Some(Destination { target, version, port, weight, span: self.span_from(start) })
    }

    /// `rule_option`: the option its keyword starts.
    fn rule_option(&mut self, word: &str) -> Option<RuleOption> {
        let start = self.start();
        self.keyword(word)?;
        Some(match word {
            "timeout" => {
                let value = self.value()?;
                RuleOption::Timeout(value, self.span_from(start))
            }
            "retry" => RuleOption::Retry(self.retry(start)?),
            "rewrite" => {
                let kind = if let Some(value) = self.attempt(|p| {
                    p.keyword("authority")?;
                    p.value()
                }) {
                    RewriteKind::Authority(value)
                } else if let Some((pattern, replacement)) = self.attempt(|p| {
                    p.keyword("regex")?;
                    Some((p.value()?, p.value()?))
                }) {
                    RewriteKind::Regex { pattern, replacement }
                } else {
                    RewriteKind::Uri(self.value()?)
                };
                RuleOption::Rewrite(Rewrite { kind, span: self.span_from(start) })
            }
            "fault" => {
                let kind = match self.peek_word() {
                    "delay" => FaultKind::Delay,
                    "abort" => FaultKind::Abort,
                    _ => return None,
                };
                self.keyword(if kind == FaultKind::Delay { "delay" } else { "abort" })?;
                let value = self.value()?;
                let percent = self.value()?;
                RuleOption::Fault(Fault { kind, value, percent, span: self.span_from(start) })
            }
            "mirror" => {
                let destination = self.destination()?;
                RuleOption::Mirror(destination, self.span_from(start))
            }
            "cors" => {
                let mut items = Vec::new();
                self.block(|p, _| {
                    let key = p.name()?;
                    items.push((key, p.values()?));
                    Some(())
                })?;
                RuleOption::Cors(items, self.span_from(start))
            }
            "request" | "response" => {
                let side = if word == "request" { HeaderSide::Request } else { HeaderSide::Response };
                let op = match self.peek_word() {
                    "set" | "add" => {
                        let add = self.keyword("add").is_some();
                        if !add {
                            self.keyword("set")?;
                        }
                        let key = self.value()?;
                        self.symbol("=")?;
                        let value = self.value()?;
                        if add {
                            HeaderOp::Add(key, value)
                        } else {
                            HeaderOp::Set(key, value)
                        }
                    }
                    "remove" => {
                        self.keyword("remove")?;
                        HeaderOp::Remove(self.values()?)
                    }
                    _ => return None,
                };
                RuleOption::Headers(HeaderEdit { side, op, span: self.span_from(start) })
            }
            _ => return None,
        })
    }

    /// `retry_opt = K_retry ~ (K_none | (value ~ (K_x ~ value)? ~ (K_on ~ retry_condition ~
    /// ("," ~ retry_condition)*)?))`, after `retry`.
    fn retry(&mut self, start: usize) -> Option<RetryDecl> {
        let mut retry = RetryDecl { attempts: None, per_try: None, on: Vec::new(), span: Span::default() };
        if self.keyword("none").is_none() {
            retry.attempts = Some(self.value()?);
            retry.per_try = self.attempt(|p| {
                p.keyword("x")?;
                p.value()
            });
            retry.on = self
                .attempt(|p| {
                    p.keyword("on")?;
                    p.comma_list(|p| {
                        let span = p.token(|scan, at| scan.retry_condition(at))?;
                        Some(p.spanned(span))
                    })
                })
                .unwrap_or_default();
        }
        retry.span = self.span_from(start);
        Some(retry)
    }

    // ---- authorization -------------------------------------------------------------------

    /// `auth_rule = auth_action ~ from_clause? ~ to_clause? ~ when_clause*`.
    fn auth_rule(&mut self, word: &str) -> Option<AuthRule> {
        let start = self.start();
        self.keyword(word)?;
        let action = match word {
            "deny" => AuthAction::Deny,
            "audit" => AuthAction::Audit,
            _ => AuthAction::Allow,
        };
        let from = self
            .attempt(|p| {
                p.keyword("from")?;
                p.comma_list(Self::source)
            })
            .unwrap_or_default();
        let to = self.attempt(Self::operation_clause);
        let mut when = Vec::new();
        while let Some(clause) = self.attempt(Self::when_clause) {
            when.push(clause);
        }
        Some(AuthRule { action, from, to, when, span: self.span_from(start) })
    }

    /// `source = source_namespace | source_account | source_jwt | source_ip | name`.
    fn source(&mut self) -> Option<Source> {
        let start = self.start();
        let word = self.peek_word();
        let keyed = match word {
            "namespace" | "account" | "ip" => self.attempt(|p| {
                p.keyword(word)?;
                Some(match word {
                    "namespace" => Source::Namespace(p.name()?),
                    "account" => Source::Account(p.name()?),
                    _ => Source::Ip(p.value()?),
                })
            }),
            "jwt" => {
                self.keyword(word)?;
                let issuer = self.attempt(Self::string);
                Some(Source::Jwt(issuer, self.span_from(start)))
            }
            _ => None,
        };
        match keyed {
            Some(source) => Some(source),
            None => self.name().map(Source::Workload),
        }
    }

    /// `to_clause = K_to ~ (method ~ ("," ~ method)*)? ~ (string ~ ("," ~ string)*)? ~ (K_port
    /// ~ port_ref ~ ("," ~ port_ref)*)?`.
    fn operation_clause(&mut self) -> Option<Operation> {
        let start = self.start();
        self.keyword("to")?;
        let methods = self
            .attempt(|p| {
                p.comma_list(|p| {
                    let span = p.token(|scan, at| scan.method(at))?;
                    Some(p.spanned(span))
                })
            })
            .unwrap_or_default();
        let paths = self.attempt(|p| p.comma_list(Self::string)).unwrap_or_default();
        let ports = self
            .attempt(|p| {
                p.keyword("port")?;
                p.comma_list(Self::port_ref)
            })
            .unwrap_or_default();
        Some(Operation { methods, paths, ports, span: self.span_from(start) })
    }

    /// `when_clause = K_when ~ when_key ~ when_test`.
    fn when_clause(&mut self) -> Option<WhenClause> {
        let start = self.start();
        self.keyword("when")?;
        // `when_key = (K_header ~ value) | (K_claim ~ value) | string`.
        let key = if let Some(value) = self.attempt(|p| {
            p.keyword("header")?;
            p.value()
        }) {
            WhenKey::Header(value)
        } else if let Some(value) = self.attempt(|p| {
            p.keyword("claim")?;
            p.value()
        }) {
            WhenKey::Claim(value)
        } else {
            WhenKey::Raw(self.string()?)
        };
        // `when_test = K_present | K_absent | (K_not ~ K_in ~ value_list) | (K_in ~ value_list)`.
        let word = self.peek_word();
        self.keyword(word)?;
        let test = match word {
            "present" => WhenTest::Present,
            "absent" => WhenTest::Absent,
            "not" => {
                self.keyword("in")?;
                WhenTest::NotIn(self.values()?)
            }
            "in" => WhenTest::In(self.values()?),
            _ => return None,
        };
        Some(WhenClause { key, test, span: self.span_from(start) })
    }
}
