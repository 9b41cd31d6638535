//! EnvoyFilters → `limit` blocks. Two shapes are recognised: the local rate limit (Envoy's
//! token bucket, as meshc writes it or as Istio's docs do, wrapped in a TypedStruct) and
//! meshc's global rate limit (the ratelimit filter and its descriptors). Any other
//! EnvoyFilter patches Envoy in ways the language does not model.

use meshc_core::model::Protocol;

use super::hosts::{self, Host};
use super::{cannot, int, text, Cannot, Lift, ROOT_NAMESPACE};
use crate::objects::{ObjId, Object};
use crate::program::{self, Family, Stmt};
use crate::yaml::Node;

const LOCAL: &str = "envoy.filters.http.local_ratelimit";
const GLOBAL: &str = "envoy.filters.http.ratelimit";
const LOCAL_TYPE: &str = "type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit";
const GLOBAL_TYPE: &str = "type.googleapis.com/envoy.extensions.filters.http.ratelimit.v3.RateLimit";
const TYPED_STRUCTS: &[&str] =
    &["type.googleapis.com/udpa.type.v1.TypedStruct", "type.googleapis.com/xds.type.v3.TypedStruct"];

impl<'a> Lift<'a> {
    pub(super) fn envoy_filter(&mut self, id: ObjId, object: &'a Object) -> Result<(), Cannot> {
        let spec = object.spec().ok_or_else(|| cannot("spec", "an EnvoyFilter needs a spec"))?;
        let patches = spec.get("configPatches").map(Node::items).unwrap_or_default();
        let filter_name = |patch: &Node| {
            patch.get("patch").and_then(|p| p.get("value")).and_then(|v| text(v, "name")).map(str::to_string)
        };
        let kind = match patches {
            [one] if filter_name(one).as_deref() == Some(LOCAL) => "local",
            [one, _] if filter_name(one).as_deref() == Some(GLOBAL) => "global",
            _ => return Err(cannot(
                "spec.configPatches",
                "an EnvoyFilter patches Envoy directly; only local and global rate limits are recognised as `limit`",
            )),
        };
        let namespace = self.ns(object);
        let selector = spec.get("workloadSelector").and_then(|w| w.get("labels"));
        let app = crate::objects::string_map(selector);
        let service = match (app.get("app"), app.len()) {
            (Some(app), 1) if namespace == ROOT_NAMESPACE => {
                let service_ns = self.reg.service(app).map_or_else(|| self.namespace.clone(), |s| s.namespace.clone());
                self.reg.ensure(app, &service_ns, id).map_err(|why| cannot("spec.workloadSelector", why))?;
                app.clone()
            }
            _ => self
                .selected_service(id, selector, "spec.workloadSelector.labels", &namespace)?
                .ok_or_else(|| cannot("spec.workloadSelector", "meshc rate-limits one service, selected by `app`"))?,
        };
        let patch = &patches[0];
        let port = patch.get("match").and_then(|m| m.get("listener")).and_then(|l| int(l, "portNumber"));
        if let Some(port) = port {
            let info = self.reg.service_mut(&service).expect("ensured above");
            info.add_port(port as u32, None, Some(Protocol::Http), false)
                .map_err(|why| cannot("spec.configPatches[0].match.listener.portNumber", why))?;
            info.first_http = Some(port as u32);
        }
        let service_ns = self.reg.service(&service).map(|s| s.namespace.clone()).unwrap_or_default();
        let typed = patch.get("patch").and_then(|p| p.get("value")).and_then(|v| v.get("typed_config"));
        let line = match kind {
            "local" => {
                let exact =
                    port.is_some() && namespace == service_ns && !is_typed_struct(typed) && has_router_anchor(patch);
                if !exact && !self.survey {
                    // A local rate limit in another shape than meshc's (Istio's docs wrap it
                    // in a TypedStruct and patch every inbound port): meshc writes its own
                    // filter for it, and the import lists what that changes.
                    self.out.approximate.insert(id);
                }
                self.writes_as(id, "EnvoyFilter", &service_ns, &format!("{service}-local-ratelimit"));
                local_line(typed)?
            }
            _ => {
                self.writes_as(id, "EnvoyFilter", &service_ns, &format!("{service}-global-ratelimit"));
                self.global_line(id, typed, &patches[1])?
            }
        };
        let block = self.block(Family::Limit, &format!("limit {service}"));
        block.body.push(Stmt::line(line));
        block.objects.push(id);
        Ok(())
    }

    fn global_line(&mut self, id: ObjId, typed: Option<&Node>, descriptors: &Node) -> Result<String, Cannot> {
        let path = "spec.configPatches[0].patch.value.typed_config";
        let config = typed.ok_or_else(|| cannot(path, "the ratelimit filter has no `typed_config`"))?;
        if text(config, "@type") != Some(GLOBAL_TYPE) {
            return Err(cannot(format!("{path}.@type"), "meshc writes the ratelimit filter's config unwrapped"));
        }
        let cluster = config
            .get("rate_limit_service")
            .and_then(|r| r.get("grpc_service"))
            .and_then(|g| g.get("envoy_grpc"))
            .and_then(|e| text(e, "cluster_name"))
            .unwrap_or_default();
        // `outbound|PORT||HOST`: the rate-limit service's outbound cluster.
        let parts: Vec<&str> = cluster.split('|').collect();
        let (port, host) = match parts.as_slice() {
            ["outbound", port, "", host] => (port.parse::<u32>().ok(), *host),
            _ => (None, ""),
        };
        let (Some(port), Host::Service(name, namespace)) = (port, hosts::parse(host, &self.namespace)) else {
            return Err(cannot(
                format!("{path}.rate_limit_service"),
                "meshc calls a rate-limit service in the mesh by its outbound cluster",
            ));
        };
        let service = self.reg.ensure(&name, &namespace, id).map_err(|why| cannot(path, why))?;
        service.add_port(port, None, Some(Protocol::Grpc), false).map_err(|why| cannot(path, why))?;
        let mut line = format!("global {name}");
        if service.port_names().len() > 1 {
            if let Some(port_name) = service.port_name(port) {
                line.push_str(&format!(":{port_name}"));
            }
        }
        if let Some(domain) = text(config, "domain") {
            if domain != self.namespace {
                line.push_str(&format!(" domain {}", program::string(domain)));
            }
        }
        let actions = descriptors
            .get("patch")
            .and_then(|p| p.get("value"))
            .and_then(|v| v.get("rate_limits"))
            .map(Node::items)
            .unwrap_or_default()
            .first()
            .and_then(|r| r.get("actions"))
            .map(Node::items)
            .unwrap_or_default();
        let mut by = Vec::new();
        for (i, action) in actions.iter().enumerate() {
            if action.get("remote_address").is_some() {
                by.push("remote_address".to_string());
            } else if let Some(headers) = action.get("request_headers") {
                match (text(headers, "header_name"), text(headers, "descriptor_key")) {
                    (Some(":path"), Some("path")) => by.push("path".to_string()),
                    (Some(h), Some(k)) if h == k => by.push(format!("header {}", program::string(h))),
                    _ => {
                        return Err(cannot(
                            format!("spec.configPatches[1].patch.value.rate_limits[0].actions[{i}]"),
                            "meshc names a header descriptor after its header",
                        ))
                    }
                }
            } else {
                return Err(cannot(
                    format!("spec.configPatches[1].patch.value.rate_limits[0].actions[{i}]"),
                    "this descriptor has no .mesh form",
                ));
            }
        }
        if by != ["remote_address"] {
            line.push_str(&format!(" by {}", by.join(", ")));
        }
        if let Some(timeout) = text(config, "timeout") {
            let timeout = super::duration(timeout, &format!("{path}.timeout"))?;
            if timeout != "100ms" {
                line.push_str(&format!(" timeout {timeout}"));
            }
        }
        Ok(line)
    }
}

fn is_typed_struct(typed: Option<&Node>) -> bool {
    typed.and_then(|t| text(t, "@type")).is_some_and(|t| TYPED_STRUCTS.contains(&t))
}

/// Whether the filter is inserted before the router, as meshc inserts it.
fn has_router_anchor(patch: &Node) -> bool {
    patch
        .get("match")
        .and_then(|m| m.get("listener"))
        .and_then(|l| l.get("filterChain"))
        .and_then(|f| f.get("filter"))
        .and_then(|f| f.get("subFilter"))
        .and_then(|s| text(s, "name"))
        == Some("envoy.filters.http.router")
}

/// `local N/INTERVAL [burst B]` from Envoy's LocalRateLimit config, wrapped or not.
fn local_line(typed: Option<&Node>) -> Result<String, Cannot> {
    let path = "spec.configPatches[0].patch.value.typed_config";
    let typed = typed.ok_or_else(|| cannot(path, "the local rate limit has no `typed_config`"))?;
    let (config, path) = if is_typed_struct(Some(typed)) {
        if text(typed, "type_url") != Some(LOCAL_TYPE) {
            return Err(cannot(format!("{path}.type_url"), "not Envoy's LocalRateLimit"));
        }
        (typed.get("value").ok_or_else(|| cannot(path, "the TypedStruct has no `value`"))?, format!("{path}.value"))
    } else {
        if text(typed, "@type") != Some(LOCAL_TYPE) {
            return Err(cannot(format!("{path}.@type"), "not Envoy's LocalRateLimit"));
        }
        (typed, path.to_string())
    };
    for runtime in ["filter_enabled", "filter_enforced"] {
        let fraction = config.get(runtime).and_then(|f| f.get("default_value"));
        let full =
            fraction.is_some_and(|f| int(f, "numerator") == Some(100) && text(f, "denominator") == Some("HUNDRED"));
        if !full {
            return Err(cannot(
                format!("{path}.{runtime}"),
                format!("`{runtime}` is not 100%: meshc's `limit` enables and enforces the limit for every request"),
            ));
        }
    }
    let bucket = config.get("token_bucket").ok_or_else(|| cannot(format!("{path}.token_bucket"), "no token bucket"))?;
    let tokens = int(bucket, "tokens_per_fill").unwrap_or(1);
    let max = int(bucket, "max_tokens").unwrap_or(tokens);
    let interval = text(bucket, "fill_interval")
        .ok_or_else(|| cannot(format!("{path}.token_bucket.fill_interval"), "no fill interval"))?;
    let interval = super::duration(interval, &format!("{path}.token_bucket.fill_interval"))?;
    let mut line = format!("local {tokens}/{interval}");
    if max != tokens {
        line.push_str(&format!(" burst {max}"));
    }
    Ok(line)
}
