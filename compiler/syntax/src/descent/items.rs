//! Top-level declarations (`item` in the grammar), each chosen by its leading keyword.

use super::{set_once, Descent};
use crate::ast::*;
use crate::span::{Span, Spanned};

impl<'a> Descent<'a> {
    /// `item`: the declaration the next word starts.
    pub(super) fn item(&mut self) -> Option<Item> {
        let start = self.start();
        Some(match self.peek_word() {
            "import" => Item::Import(self.import(start)?),
            "preset" => Item::Preset(Box::new(self.preset(start)?)),
            "template" => Item::Template(self.template(start)?),
            "mesh" => Item::Mesh(self.mesh(start)?),
            "defaults" => Item::Defaults(self.defaults(start)?),
            "env" => Item::Env(self.env(start)?),
            "provider" => Item::Provider(self.provider(start)?),
            "service" => Item::Service(self.service(start)?),
            "external" => Item::External(self.external(start)?),
            "gateway" => Item::Gateway(self.gateway(start)?),
            "route" => Item::Route(self.route(start)?),
            "policy" => Item::Policy(self.policy(start)?),
            "jwt" => Item::Jwt(self.jwt(start)?),
            "limit" => Item::Limit(self.limit(start)?),
            "sidecar" => Item::Sidecar(self.sidecar(start)?),
            "telemetry" => Item::Telemetry(self.telemetry(start)?),
            _ => return None,
        })
    }

    /// `K_import ~ ((import_names ~ K_from ~ string) | (string ~ (K_as ~ name)?))`.
    fn import(&mut self, start: usize) -> Option<ImportDecl> {
        self.keyword("import")?;
        let named = self.attempt(|p| {
            let names = p.names()?;
            p.keyword("from")?;
            Some((names, p.string()?))
        });
        let (names, path, alias) = match named {
            Some((names, path)) => (names, path, None),
            None => {
                let path = self.string()?;
                let alias = self.attempt(|p| {
                    p.keyword("as")?;
                    p.name()
                });
                (Vec::new(), path, alias)
            }
        };
        let text = match &path.kind {
            ValueKind::Str(literal) => literal.as_plain().unwrap_or_default(),
            _ => String::new(),
        };
        Some(ImportDecl { path: Spanned::new(text, path.span), names, alias, span: self.span_from(start) })
    }

    /// `K_preset ~ name ~ "(" ~ (param ~ ("," ~ param)*)? ~ ")" ~ "{" ~ preset_stmt* ~ "}"`.
    fn preset(&mut self, start: usize) -> Option<PresetDecl> {
        self.keyword("preset")?;
        let name = self.name()?;
        self.symbol("(")?;
        let params = self.attempt(|p| p.comma_list(Self::param)).unwrap_or_default();
        self.symbol(")")?;
        let mut body = PresetBody::default();
        self.block(|p, word| p.bag_statement(word, &mut body))?;
        Some(PresetDecl { name, params, body, span: self.span_from(start) })
    }

    /// `param = name ~ (":" ~ type_name)? ~ ("=" ~ value)?`.
    fn param(&mut self) -> Option<ParamDecl> {
        let start = self.start();
        let name = self.name()?;
        let ty = self.attempt(|p| {
            p.symbol(":")?;
            p.name()
        });
        let default = self.attempt(|p| {
            p.symbol("=")?;
            p.value()
        });
        Some(ParamDecl { name, ty, default, span: self.span_from(start) })
    }

    /// `K_template ~ name ~ value`.
    fn template(&mut self, start: usize) -> Option<TemplateDecl> {
        self.keyword("template")?;
        let name = self.name()?;
        let path = self.value()?;
        Some(TemplateDecl { name, path, span: self.span_from(start) })
    }

    /// `K_mesh ~ name ~ "{" ~ (namespace_stmt | trust_domain_stmt | environments_stmt |
    /// root_namespace_stmt)* ~ "}"`.
    fn mesh(&mut self, start: usize) -> Option<MeshDecl> {
        self.keyword("mesh")?;
        let name = self.name()?;
        let mut decl = MeshDecl {
            name,
            namespace: None,
            root_namespace: None,
            trust_domain: None,
            environments: Vec::new(),
            repeated: Vec::new(),
            span: Span::default(),
        };
        self.block(|p, word| {
            let start = p.start();
            p.keyword(word)?;
            match word {
                "namespace" => {
                    let name = p.name()?;
                    set_once(&mut decl.namespace, name, p.span_from(start), &mut decl.repeated);
                }
                "root_namespace" => {
                    let name = p.name()?;
                    set_once(&mut decl.root_namespace, name, p.span_from(start), &mut decl.repeated);
                }
                "trust_domain" => {
                    let value = p.value()?;
                    set_once(&mut decl.trust_domain, value, p.span_from(start), &mut decl.repeated);
                }
                "environments" => decl.environments.extend(p.names()?),
                _ => return None,
            }
            Some(())
        })?;
        decl.span = self.span_from(start);
        Some(decl)
    }

    /// `K_defaults ~ "{" ~ var_decl* ~ "}"`, `var_decl = name ~ ((":" ~ type_name ~ ("=" ~
    /// value)?) | ("=" ~ value))`.
    fn defaults(&mut self, start: usize) -> Option<DefaultsDecl> {
        self.keyword("defaults")?;
        let mut vars = Vec::new();
        self.block(|p, _| {
            let start = p.start();
            let name = p.name()?;
            let typed = p.attempt(|p| {
                p.symbol(":")?;
                let ty = p.name()?;
                let default = p.attempt(|p| {
                    p.symbol("=")?;
                    p.value()
                });
                Some((Some(ty), default))
            });
            let (ty, default) = match typed {
                Some(typed) => typed,
                None => {
                    p.symbol("=")?;
                    (None, Some(p.value()?))
                }
            };
            vars.push(VarDecl { name, ty, default, span: p.span_from(start) });
            Some(())
        })?;
        Some(DefaultsDecl { vars, span: self.span_from(start) })
    }

    /// `K_env ~ name ~ production? ~ "{" ~ var_set* ~ "}"`, `var_set = name ~ "=" ~ value`.
    fn env(&mut self, start: usize) -> Option<EnvDecl> {
        self.keyword("env")?;
        let name = self.name()?;
        let production = self.attempt(|p| p.keyword("production")).is_some();
        let mut values = Vec::new();
        self.block(|p, _| {
            let start = p.start();
            let name = p.name()?;
            p.symbol("=")?;
            let value = p.value()?;
            values.push(VarSet { name, value, span: p.span_from(start) });
            Some(())
        })?;
        Some(EnvDecl { name, production, values, span: self.span_from(start) })
    }

    /// `K_provider ~ name ~ name ~ value`.
    fn provider(&mut self, start: usize) -> Option<ProviderDecl> {
        self.keyword("provider")?;
        let name = self.name()?;
        let kind = self.name()?;
        let address = self.value()?;
        Some(ProviderDecl { name, kind, address, span: self.span_from(start) })
    }

    /// `port_stmt = K_port ~ name ~ value`.
    fn port(&mut self) -> Option<PortDecl> {
        let start = self.start();
        self.keyword("port")?;
        let name = self.name()?;
        let number = self.value()?;
        Some(PortDecl { name, number, span: self.span_from(start) })
    }

    /// A statement `KEYWORD name` that may appear once.
    fn name_once(&mut self, word: &str, slot: &mut Option<Name>, repeated: &mut Vec<Span>) -> Option<()> {
        let start = self.start();
        self.keyword(word)?;
        let name = self.name()?;
        set_once(slot, name, self.span_from(start), repeated);
        Some(())
    }

    fn service(&mut self, start: usize) -> Option<Box<ServiceDecl>> {
        self.keyword("service")?;
        let name = self.name()?;
        // Built in its box: the declaration is large, and moving it costs.
        let mut decl = Box::new(ServiceDecl {
            name,
            namespace: None,
            ports: Vec::new(),
            account: None,
            versions: Vec::new(),
            policy: TrafficPolicyDecl::default(),
            route_defaults: Vec::new(),
            uses: Vec::new(),
            repeated: Vec::new(),
            span: Span::default(),
        });
        let mut bag = PresetBody::default();
        self.block(|p, word| match word {
            "port" => {
                let port = p.port()?;
                decl.ports.push(port);
                Some(())
            }
            "account" => p.name_once(word, &mut decl.account, &mut decl.repeated),
            "versions" => {
                p.keyword(word)?;
                decl.versions.extend(p.names()?);
                Some(())
            }
            "namespace" => p.name_once(word, &mut decl.namespace, &mut decl.repeated),
            "pool" | "balance" | "warmup" | "eject" | "tls" | "timeout" | "retry" | "use" => {
                p.bag_statement(word, &mut bag)
            }
            _ => None,
        })?;
        decl.policy = bag.policy;
        decl.route_defaults = bag.options;
        decl.uses = bag.uses;
        decl.span = self.span_from(start);
        Some(decl)
    }

    fn external(&mut self, start: usize) -> Option<Box<ExternalDecl>> {
        self.keyword("external")?;
        let name = self.name()?;
        let mut decl = Box::new(ExternalDecl {
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
            span: Span::default(),
        });
        let mut bag = PresetBody::default();
        self.block(|p, word| {
            match word {
                "hosts" => decl.hosts.extend(p.hosts_stmt()?),
                "port" => decl.ports.push(p.port()?),
                "resolution" => p.name_once(word, &mut decl.resolution, &mut decl.repeated)?,
                "location" => p.name_once(word, &mut decl.location, &mut decl.repeated)?,
                "addresses" | "endpoints" => {
                    p.keyword(word)?;
                    let values = p.values()?;
                    let list = if word == "addresses" { &mut decl.addresses } else { &mut decl.endpoints };
                    list.extend(values);
                }
                "via" => {
                    p.keyword(word)?;
                    decl.via = Some(p.name()?);
                }
                "tls" | "pool" | "eject" | "use" => p.bag_statement(word, &mut bag)?,
                _ => return None,
            }
            Some(())
        })?;
        decl.policy = bag.policy;
        decl.uses = bag.uses;
        decl.span = self.span_from(start);
        Some(decl)
    }

    /// `K_gateway ~ name ~ gateway_kind? ~ "{" ~ (hosts_stmt | server_stmt | selector_stmt |
    /// namespace_stmt)* ~ "}"`.
    fn gateway(&mut self, start: usize) -> Option<GatewayDecl> {
        self.keyword("gateway")?;
        let name = self.name()?;
        let mut decl = GatewayDecl {
            name,
            egress: false,
            namespace: None,
            hosts: Vec::new(),
            servers: Vec::new(),
            selector: Vec::new(),
            span: Span::default(),
        };
        match self.peek_word() {
            "egress" => decl.egress = self.keyword("egress").is_some(),
            "ingress" => {
                self.keyword("ingress");
            }
            _ => {}
        }
        self.block(|p, word| {
            match word {
                "hosts" => decl.hosts.extend(p.hosts_stmt()?),
                "https" | "http" | "tls" | "tcp" => decl.servers.push(p.server(word)?),
                "selector" => {
                    p.keyword(word)?;
                    let pairs = p.comma_list(|p| {
                        let key = p.name()?;
                        p.symbol("=")?;
                        Some((key, p.value()?))
                    })?;
                    decl.selector.extend(pairs);
                }
                "namespace" => {
                    p.keyword(word)?;
                    decl.namespace = Some(p.name()?);
                }
                _ => return None,
            }
            Some(())
        })?;
        decl.span = self.span_from(start);
        Some(decl)
    }

    /// `server_stmt = server_protocol ~ value ~ server_option*`.
    fn server(&mut self, protocol: &str) -> Option<ServerDecl> {
        let start = self.start();
        self.keyword(protocol)?;
        let protocol = match protocol {
            "https" => ServerProtocol::Https,
            "tls" => ServerProtocol::Tls,
            "tcp" => ServerProtocol::Tcp,
            _ => ServerProtocol::Http,
        };
        let port = self.value()?;
        let mut server = ServerDecl {
            protocol,
            port,
            redirect: None,
            passthrough: None,
            mutual: None,
            cert: None,
            span: Span::default(),
        };
        loop {
            match self.peek_word() {
                "redirect" => server.redirect = Some(self.keyword("redirect")?),
                "passthrough" => server.passthrough = Some(self.keyword("passthrough")?),
                "mutual" => server.mutual = Some(self.keyword("mutual")?),
                "cert" => match self.attempt(|p| {
                    p.keyword("cert")?;
                    p.value()
                }) {
                    Some(cert) => server.cert = Some(cert),
                    None => break,
                },
                _ => break,
            }
        }
        server.span = self.span_from(start);
        Some(server)
    }

    /// `K_route ~ name ~ (K_via ~ name_list)? ~ "{" ~ (hosts_stmt | route_rule | rule_option
    /// | use_stmt)* ~ "}"`.
    fn route(&mut self, start: usize) -> Option<RouteDecl> {
        self.keyword("route")?;
        let name = self.name()?;
        let via = self
            .attempt(|p| {
                p.keyword("via")?;
                p.names()
            })
            .unwrap_or_default();
        let mut decl = RouteDecl {
            name,
            via,
            hosts: Vec::new(),
            rules: Vec::new(),
            options: Vec::new(),
            uses: Vec::new(),
            span: Span::default(),
        };
        let mut bag = PresetBody::default();
        self.block(|p, word| {
            match word {
                "hosts" => decl.hosts.extend(p.hosts_stmt()?),
                _ if super::statements::starts_rule(word) => decl.rules.push(p.route_rule()?),
                _ if super::statements::starts_rule_option(word) || word == "use" => p.bag_statement(word, &mut bag)?,
                _ => return None,
            }
            Some(())
        })?;
        decl.options = bag.options;
        decl.uses = bag.uses;
        decl.span = self.span_from(start);
        Some(decl)
    }

    /// `K_policy ~ policy_target ~ "{" ~ (mtls_stmt | default_stmt | auth_rule | use_stmt)* ~ "}"`.
    fn policy(&mut self, start: usize) -> Option<PolicyDecl> {
        self.keyword("policy")?;
        let target = match self.peek_word() {
            "namespace" => PolicyTarget::Namespace(self.keyword("namespace")?),
            "mesh" => PolicyTarget::Mesh(self.keyword("mesh")?),
            _ => PolicyTarget::Workload(self.name()?),
        };
        let mut bag = PresetBody::default();
        self.block(|p, word| match word {
            "mtls" | "default" | "allow" | "deny" | "audit" | "use" => p.bag_statement(word, &mut bag),
            _ => None,
        })?;
        Some(PolicyDecl {
            target,
            mtls: bag.mtls,
            default_deny: bag.default_deny,
            rules: bag.rules,
            uses: bag.uses,
            span: self.span_from(start),
        })
    }

    fn jwt(&mut self, start: usize) -> Option<Box<JwtDecl>> {
        self.keyword("jwt")?;
        let name = self.name()?;
        let mut decl = Box::new(JwtDecl {
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
            span: Span::default(),
        });
        self.block(|p, word| {
            let start = p.start();
            p.keyword(word)?;
            match word {
                "on" => decl.on.extend(p.names()?),
                "issuer" => {
                    let value = p.value()?;
                    set_once(&mut decl.issuer, value, p.span_from(start), &mut decl.repeated);
                }
                "audiences" => decl.audiences.extend(p.values()?),
                "jwks" => {
                    let value = p.value()?;
                    set_once(&mut decl.jwks, value, p.span_from(start), &mut decl.repeated);
                }
                "from" => decl.from.extend(p.comma_list(Self::token_location)?),
                "claim" => {
                    let claim = p.name()?;
                    p.symbol("->")?;
                    decl.claims.push((claim, p.value()?));
                }
                "forward" => decl.forward = true,
                "require" => {
                    let except = p
                        .attempt(|p| {
                            p.keyword("except")?;
                            p.values()
                        })
                        .unwrap_or_default();
                    decl.require = Some((except, p.span_from(start)));
                }
                _ => return None,
            }
            Some(())
        })?;
        decl.span = self.span_from(start);
        Some(decl)
    }

    /// `token_location = (K_header ~ value ~ (K_prefix ~ value)?) | (K_param ~ value) |
    /// (K_cookie ~ value)`.
    fn token_location(&mut self) -> Option<TokenLocation> {
        let word = self.peek_word();
        match word {
            "header" | "param" | "cookie" => {
                self.keyword(word)?;
                let first = self.value()?;
                Some(match word {
                    "header" => {
                        let prefix = self.attempt(|p| {
                            p.keyword("prefix")?;
                            p.value()
                        });
                        TokenLocation::Header { name: first, prefix }
                    }
                    "param" => TokenLocation::Param(first),
                    _ => TokenLocation::Cookie(first),
                })
            }
            _ => None,
        }
    }

    fn limit(&mut self, start: usize) -> Option<Box<LimitDecl>> {
        self.keyword("limit")?;
        let target = self.name()?;
        let mut bag = PresetBody::default();
        self.block(|p, word| match word {
            "local" | "global" | "use" => p.bag_statement(word, &mut bag),
            _ => None,
        })?;
        Some(Box::new(LimitDecl {
            target,
            local: bag.local,
            global: bag.global,
            uses: bag.uses,
            repeated: bag.repeated,
            span: self.span_from(start),
        }))
    }

    /// `K_sidecar ~ name ~ "{" ~ (egress_stmt | ingress_stmt | outbound_stmt)* ~ "}"`.
    fn sidecar(&mut self, start: usize) -> Option<SidecarDecl> {
        self.keyword("sidecar")?;
        let target = self.name()?;
        let mut decl =
            SidecarDecl { target, egress: Vec::new(), ingress: Vec::new(), outbound: None, span: Span::default() };
        self.block(|p, word| {
            let start = p.start();
            p.keyword(word)?;
            match word {
                "egress" => {
                    let port = p.attempt(|p| {
                        p.keyword("port")?;
                        p.value()
                    });
                    let hosts = p.comma_list(Self::egress_host)?;
                    decl.egress.push(EgressDecl { port, hosts, span: p.span_from(start) });
                }
                "ingress" => {
                    let port = p.name()?;
                    let endpoint = p.attempt(|p| {
                        p.keyword("to")?;
                        p.value()
                    });
                    decl.ingress.push(IngressDecl { port, endpoint, span: p.span_from(start) });
                }
                "outbound" => decl.outbound = Some(p.name()?),
                _ => return None,
            }
            Some(())
        })?;
        decl.span = self.span_from(start);
        Some(decl)
    }

    /// `egress_host = K_local | (K_namespace ~ name) | name`.
    fn egress_host(&mut self) -> Option<EgressHost> {
        if let Some(span) = self.keyword("local") {
            return Some(EgressHost::Local(span));
        }
        if let Some(name) = self.attempt(|p| {
            p.keyword("namespace")?;
            p.name()
        }) {
            return Some(EgressHost::Namespace(name));
        }
        self.name().map(EgressHost::Ref)
    }

    /// `K_telemetry ~ name? ~ "{" ~ (tracing_stmt | tag_stmt | metrics_stmt |
    /// access_log_stmt | use_stmt)* ~ "}"`.
    fn telemetry(&mut self, start: usize) -> Option<TelemetryDecl> {
        self.keyword("telemetry")?;
        let target = self.attempt(Self::name);
        let mut bag = PresetBody::default();
        self.block(|p, word| match word {
            "tracing" | "tag" | "metrics" | "access_log" | "use" => p.bag_statement(word, &mut bag),
            _ => None,
        })?;
        Some(TelemetryDecl {
            target,
            tracing: bag.tracing,
            tags: bag.tags,
            metrics: bag.metrics,
            access_logs: bag.access_logs,
            uses: bag.uses,
            span: self.span_from(start),
        })
    }
}
