//! Limits → EnvoyFilter patches: Envoy's local token bucket, and the ratelimit filter with
//! the descriptors sent to a global rate-limit service.

use meshc_core::model::{self, RateDescriptor};

use super::{labels, proto_duration, Emitter};
use crate::model::envoy_filter::{
    ApplyTo, EnvoyConfigObjectMatch, EnvoyConfigObjectPatch, EnvoyFilter, FilterChainMatch, FilterMatch, ListenerMatch,
    Patch, PatchContext, PatchOperation, RouteConfigurationMatch, SubFilterMatch, Value,
};
use crate::model::WorkloadSelector;

const HCM: &str = "envoy.filters.network.http_connection_manager";
const ROUTER: &str = "envoy.filters.http.router";

pub(crate) fn lower(out: &mut Emitter<'_>) {
    for limit in &out.mesh.limits {
        let selector = Some(WorkloadSelector { labels: labels(&limit.workload) });
        if let Some(local) = &limit.local {
            let spec = EnvoyFilter {
                workload_selector: selector.clone(),
                config_patches: vec![local_patch(limit.port, local)],
                ..Default::default()
            };
            out.push(
                &format!("{}-local-ratelimit", limit.workload.name),
                &limit.workload.namespace,
                &limit.origin,
                spec,
            );
        }
        if let Some(global) = &limit.global {
            let spec = EnvoyFilter {
                workload_selector: selector,
                config_patches: global_patches(limit.port, global),
                ..Default::default()
            };
            out.push(
                &format!("{}-global-ratelimit", limit.workload.name),
                &limit.workload.namespace,
                &limit.origin,
                spec,
            );
        }
    }
}

/// Inserts an HTTP filter before the router on the workload's inbound port.
fn http_filter_patch(port: u32, filter: Value) -> EnvoyConfigObjectPatch {
    EnvoyConfigObjectPatch {
        apply_to: ApplyTo::HttpFilter,
        r#match: Some(EnvoyConfigObjectMatch {
            context: Some(PatchContext::SidecarInbound),
            listener: Some(ListenerMatch {
                port_number: Some(port),
                filter_chain: Some(FilterChainMatch {
                    filter: Some(FilterMatch {
                        name: Some(HCM.to_string()),
                        sub_filter: Some(SubFilterMatch { name: Some(ROUTER.to_string()) }),
                    }),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..Default::default()
        }),
        patch: Patch { operation: PatchOperation::InsertBefore, value: Some(filter), filter_class: None },
    }
}

fn s(text: &str) -> Value {
    Value::String(text.to_string())
}

/// Envoy's runtime fraction at 100%: `filter_enforced` must be set too, or Envoy only counts.
fn always(runtime_key: &str) -> Value {
    Value::map([
        ("runtime_key", s(runtime_key)),
        ("default_value", Value::map([("numerator", Value::Int(100)), ("denominator", s("HUNDRED"))])),
    ])
}

fn local_patch(port: u32, local: &model::LocalLimit) -> EnvoyConfigObjectPatch {
    let config = Value::map([
        ("@type", s("type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit")),
        ("stat_prefix", s("http_local_rate_limiter")),
        (
            "token_bucket",
            Value::map([
                ("max_tokens", Value::Int(local.max_tokens as i64)),
                ("tokens_per_fill", Value::Int(local.tokens_per_fill as i64)),
                ("fill_interval", s(&proto_duration(local.fill_interval))),
            ]),
        ),
        ("filter_enabled", always("local_rate_limit_enabled")),
        ("filter_enforced", always("local_rate_limit_enforced")),
        (
            "response_headers_to_add",
            Value::List(vec![Value::map([
                ("append_action", s("OVERWRITE_IF_EXISTS_OR_ADD")),
                ("header", Value::map([("key", s("x-local-rate-limit")), ("value", s("true"))])),
            ])]),
        ),
    ]);
    http_filter_patch(port, Value::map([("name", s("envoy.filters.http.local_ratelimit")), ("typed_config", config)]))
}

fn global_patches(port: u32, global: &model::GlobalLimit) -> Vec<EnvoyConfigObjectPatch> {
    let config = Value::map([
        ("@type", s("type.googleapis.com/envoy.extensions.filters.http.ratelimit.v3.RateLimit")),
        ("domain", s(&global.domain)),
        ("failure_mode_deny", Value::Bool(false)),
        ("timeout", s(&proto_duration(global.timeout))),
        (
            "rate_limit_service",
            Value::map([
                ("grpc_service", Value::map([("envoy_grpc", Value::map([("cluster_name", s(&global.cluster))]))])),
                ("transport_api_version", s("V3")),
            ]),
        ),
    ]);
    let filter =
        http_filter_patch(port, Value::map([("name", s("envoy.filters.http.ratelimit")), ("typed_config", config)]));
    let actions: Vec<Value> = global
        .descriptors
        .iter()
        .map(|d| match d {
            RateDescriptor::RemoteAddress => {
                Value::map([("remote_address", Value::map(Vec::<(String, Value)>::new()))])
            }
            RateDescriptor::Path => Value::map([(
                "request_headers",
                Value::map([("header_name", s(":path")), ("descriptor_key", s("path"))]),
            )]),
            RateDescriptor::Header(h) => {
                Value::map([("request_headers", Value::map([("header_name", s(h)), ("descriptor_key", s(h))]))])
            }
        })
        .collect();
    let descriptors = EnvoyConfigObjectPatch {
        apply_to: ApplyTo::VirtualHost,
        r#match: Some(EnvoyConfigObjectMatch {
            context: Some(PatchContext::SidecarInbound),
            route_configuration: Some(RouteConfigurationMatch { port_number: Some(port), ..Default::default() }),
            ..Default::default()
        }),
        patch: Patch {
            operation: PatchOperation::Merge,
            value: Some(Value::map([(
                "rate_limits",
                Value::List(vec![Value::map([("actions", Value::List(actions))])]),
            )])),
            filter_class: None,
        },
    };
    vec![filter, descriptors]
}
