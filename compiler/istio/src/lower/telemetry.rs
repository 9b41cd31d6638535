//! Telemetry blocks → Telemetry (tracing with sampling and custom tags, metrics, access logs).

use meshc_core::model::TagValue;

use super::{selector, Emitter};
use crate::model::telemetry as t;

pub(crate) fn lower(out: &mut Emitter<'_>) {
    let mesh = out.mesh;
    for telemetry in &mesh.telemetry {
        let custom_tags: std::collections::BTreeMap<String, t::CustomTag> = telemetry
            .tags
            .iter()
            .map(|(name, value)| {
                let tag = match value {
                    TagValue::Literal(v) => t::CustomTag::Literal(t::LiteralTag { value: v.clone() }),
                    TagValue::Header { name, default } => {
                        t::CustomTag::Header(t::HeaderTag { name: name.clone(), default_value: default.clone() })
                    }
                    TagValue::Environment { name, default } => t::CustomTag::Environment(t::EnvironmentTag {
                        name: name.clone(),
                        default_value: default.clone(),
                    }),
                };
                (name.clone(), tag)
            })
            .collect();
        let spec = t::Telemetry {
            selector: telemetry.workload.as_ref().map(selector),
            tracing: telemetry
                .tracing
                .iter()
                .map(|(provider, sampling)| t::Tracing {
                    providers: vec![t::ProviderRef { name: provider.clone() }],
                    random_sampling_percentage: *sampling,
                    custom_tags: custom_tags.clone(),
                    ..Default::default()
                })
                .collect(),
            metrics: if telemetry.metrics.is_empty() {
                Vec::new()
            } else {
                vec![t::Metrics {
                    providers: telemetry.metrics.iter().map(|m| t::ProviderRef { name: m.clone() }).collect(),
                    ..Default::default()
                }]
            },
            access_logging: telemetry
                .access_logs
                .iter()
                .map(|(provider, filter)| t::AccessLogging {
                    providers: vec![t::ProviderRef { name: provider.clone() }],
                    filter: filter.clone().map(|expression| t::AccessLogFilter { expression }),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        };
        let namespace = telemetry.workload.as_ref().map_or_else(|| mesh.namespace.clone(), |w| w.namespace.clone());
        out.push(&telemetry.name, &namespace, &telemetry.origin, spec);
    }
}
