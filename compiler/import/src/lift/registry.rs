//! What the import learns about the mesh's services, externals and gateways from every
//! object, before any declaration is written: their namespaces, ports, versions and
//! accounts. The first pass over the objects fills it; the second reads it to write
//! references (`reviews@v1:http`) that the finished declarations will accept.

use meshc_core::model::Protocol;

use crate::objects::ObjId;

/// A port of a service, and what is known about it.
#[derive(Debug, Clone, PartialEq)]
pub struct PortInfo {
    pub number: u32,
    /// The name an Istio object writes (a Sidecar ingress port, a Kubernetes Service port);
    /// when it names a protocol it is kept.
    pub name: Option<String>,
    pub protocol: Option<Protocol>,
    /// Whether some object's output shows the name, so it cannot be changed.
    pub fixed: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ServiceInfo {
    pub name: String,
    pub namespace: String,
    pub ports: Vec<PortInfo>,
    pub versions: Vec<String>,
    pub account: Option<String>,
    /// `pool …`, `balance …` lines from its DestinationRule.
    pub policy: Vec<String>,
    /// The DestinationRule that declares it, if any.
    pub rule: Option<ObjId>,
    /// Objects that refer to it (they fall back with it when it fails to check).
    pub objects: Vec<ObjId>,
    /// The first HTTP port must be this one (the port a rate limit patches).
    pub first_http: Option<u32>,
}

impl ServiceInfo {
    /// The ports as `.mesh` declares them: names that say the protocol, unique, in order.
    pub fn port_names(&self) -> Vec<(String, u32)> {
        let mut ports = self.ports.clone();
        if let Some(first) = self.first_http {
            if let Some(i) = ports.iter().position(|p| p.number == first) {
                let port = ports.remove(i);
                ports.insert(0, port);
            }
        }
        if ports.is_empty() {
            return vec![("http".to_string(), 80)];
        }
        // Names some object shows (a Sidecar's ingress port) are kept; the others are made
        // up around them.
        let taken: Vec<&str> = ports.iter().filter(|p| p.fixed).filter_map(|p| p.name.as_deref()).collect();
        let mut out: Vec<(String, u32)> = Vec::new();
        for port in &ports {
            let protocol = port.protocol.unwrap_or(Protocol::Http);
            let word = protocol_word(protocol);
            let name = match &port.name {
                Some(name) if port.fixed => {
                    out.push((name.clone(), port.number));
                    continue;
                }
                Some(name) if Protocol::from_port_name(name) == Some(protocol) => name.clone(),
                Some(name) if crate::program::is_name(name) && name.len() + word.len() < 63 => format!("{word}-{name}"),
                _ => word.to_string(),
            };
            let used = |n: &str| taken.contains(&n) || out.iter().any(|(o, _)| o == n);
            let name = if used(&name) { format!("{word}-{}", port.number) } else { name };
            out.push((name, port.number));
        }
        out
    }

    /// The `.mesh` name of port `number`.
    pub fn port_name(&self, number: u32) -> Option<String> {
        self.port_names().into_iter().find(|(_, n)| *n == number).map(|(name, _)| name)
    }
}

/// The spelling of a protocol at the start of a port name.
pub fn protocol_word(protocol: Protocol) -> &'static str {
    match protocol {
        Protocol::Http => "http",
        Protocol::Http2 => "http2",
        Protocol::Https => "https",
        Protocol::Grpc => "grpc",
        Protocol::GrpcWeb => "grpc-web",
        Protocol::Tcp => "tcp",
        Protocol::Tls => "tls",
        Protocol::Mongo => "mongo",
        Protocol::Mysql => "mysql",
        Protocol::Redis => "redis",
        Protocol::Udp => "udp",
    }
}

/// Istio's protocol names (`HTTP`, `GRPC-WEB`) back to the model's.
pub fn protocol_of(istio: &str) -> Option<Protocol> {
    Some(match istio.to_ascii_uppercase().as_str() {
        "HTTP" => Protocol::Http,
        "HTTP2" => Protocol::Http2,
        "HTTPS" => Protocol::Https,
        "GRPC" => Protocol::Grpc,
        "GRPC-WEB" => Protocol::GrpcWeb,
        "TCP" => Protocol::Tcp,
        "TLS" => Protocol::Tls,
        "MONGO" => Protocol::Mongo,
        "MYSQL" => Protocol::Mysql,
        "REDIS" => Protocol::Redis,
        "UDP" => Protocol::Udp,
        _ => return None,
    })
}

/// An external: a ServiceEntry, or a host no ServiceEntry declares.
#[derive(Debug, Clone, PartialEq)]
pub struct ExternalInfo {
    pub name: String,
    pub hosts: Vec<String>,
    /// The ServiceEntry; `None` for an external the import adds for a route's host.
    pub entry: Option<ObjId>,
    /// Ports of an added external, learned from the routes to it.
    pub ports: Vec<(u32, Protocol)>,
    pub objects: Vec<ObjId>,
    /// `tls`, `pool`, `eject` lines from its DestinationRules.
    pub policy: Vec<String>,
    /// The DestinationRule of each host that has one.
    pub rules: Vec<(String, ObjId)>,
    /// `via GATEWAY`, with the VirtualService meshc writes for it.
    pub via: Option<(String, ObjId)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GatewayInfo {
    pub name: String,
    pub namespace: String,
    pub object: ObjId,
    pub selector: Vec<(String, String)>,
}

/// Everything the first pass learned.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    pub services: Vec<ServiceInfo>,
    pub externals: Vec<ExternalInfo>,
    pub gateways: Vec<GatewayInfo>,
    /// `(namespace, service)` → account, from Deployments and the like.
    pub accounts: Vec<(String, String, String)>,
    /// `(namespace, service)` → ports, from Kubernetes Services.
    pub hinted_ports: Vec<(String, String, Vec<PortInfo>)>,
}

/// Why a service cannot be declared as asked.
pub type Conflict = String;

impl Registry {
    pub fn service(&self, name: &str) -> Option<&ServiceInfo> {
        self.services.iter().find(|s| s.name == name)
    }

    pub fn service_mut(&mut self, name: &str) -> Option<&mut ServiceInfo> {
        self.services.iter_mut().find(|s| s.name == name)
    }

    /// The service `name` in `namespace`, declared on first use. Services and externals
    /// share one name space in `.mesh`, and a name stands for one namespace.
    pub fn ensure(&mut self, name: &str, namespace: &str, object: ObjId) -> Result<&mut ServiceInfo, Conflict> {
        if !crate::program::is_name(name) || name.len() > 63 {
            return Err(format!("`{name}` cannot be a service name in .mesh"));
        }
        if self.externals.iter().any(|e| e.name == name) {
            return Err(format!("the name `{name}` is taken by an external"));
        }
        if let Some(i) = self.services.iter().position(|s| s.name == name) {
            let service = &mut self.services[i];
            if service.namespace != namespace {
                return Err(format!(
                    "service `{name}` is in namespace `{}` here and in `{namespace}` there; .mesh names a service once",
                    service.namespace
                ));
            }
            if !service.objects.contains(&object) {
                service.objects.push(object);
            }
            return Ok(service);
        }
        let account = self
            .accounts
            .iter()
            .find(|(ns, service, _)| ns == namespace && service == name)
            .map(|(_, _, account)| account.clone());
        let ports = self
            .hinted_ports
            .iter()
            .find(|(ns, service, _)| ns == namespace && service == name)
            .map(|(_, _, ports)| ports.clone())
            .unwrap_or_default();
        self.services.push(ServiceInfo {
            name: name.to_string(),
            namespace: namespace.to_string(),
            ports,
            versions: Vec::new(),
            account,
            policy: Vec::new(),
            rule: None,
            objects: vec![object],
            first_http: None,
        });
        Ok(self.services.last_mut().expect("just pushed"))
    }

    pub fn external_of_host(&self, host: &str) -> Option<&ExternalInfo> {
        self.externals.iter().find(|e| e.hosts.iter().any(|h| h == host))
    }

    pub fn gateway(&self, namespace: &str, name: &str) -> Option<&GatewayInfo> {
        self.gateways.iter().find(|g| g.namespace == namespace && g.name == name)
    }
}

impl ServiceInfo {
    /// Records port `number`; a name or protocol the port already has wins over a guess.
    pub fn add_port(
        &mut self,
        number: u32,
        name: Option<&str>,
        protocol: Option<Protocol>,
        fixed: bool,
    ) -> Result<(), Conflict> {
        if let Some(port) = self.ports.iter_mut().find(|p| p.number == number) {
            if fixed {
                if port.fixed && port.name.as_deref() != name {
                    return Err(format!(
                        "port {number} of `{}` is named both `{}` and `{}`",
                        self.name,
                        port.name.as_deref().unwrap_or_default(),
                        name.unwrap_or_default()
                    ));
                }
                port.name = name.map(str::to_string);
                port.fixed = true;
                if protocol.is_some() {
                    port.protocol = protocol;
                }
            } else {
                if port.name.is_none() {
                    port.name = name.map(str::to_string);
                }
                if port.protocol.is_none() {
                    port.protocol = protocol;
                }
            }
            return Ok(());
        }
        self.ports.push(PortInfo { number, name: name.map(str::to_string), protocol, fixed });
        Ok(())
    }
}
