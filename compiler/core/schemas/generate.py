#!/usr/bin/env python3
"""Regenerates istio-schemas.json, the CRD schemas meshc embeds to check objects that
templates render, from the official schemas in ../../../../shared/istio-schemas (Istio 1.30.3,
see its README). Descriptions are dropped (size); CEL rules (`x-kubernetes-validations`) are
dropped because meshc does not evaluate CEL — validate-istio does, on the final output.
Identical schemas of several served versions of a kind are stored once.

Usage: python3 generate.py [SCHEMA_DIR]
"""
import hashlib, json, os, sys

here = os.path.dirname(os.path.abspath(__file__))
source = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "../../../../shared/istio-schemas")

def strip(node):
    if isinstance(node, dict):
        return {k: strip(v) for k, v in node.items() if k not in ("description", "x-kubernetes-validations")}
    if isinstance(node, list):
        return [strip(x) for x in node]
    return node

index = json.load(open(os.path.join(source, "index.json")))["kinds"]
kinds, schemas = {}, {}
for key in sorted(index):
    schema = strip(json.load(open(os.path.join(source, index[key]["file"]))))
    text = json.dumps(schema, sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    schemas[digest] = schema
    kinds[key] = {"schema": digest, "deprecated": index[key]["deprecated"], "scope": index[key]["scope"]}
out = {"source": "istio/api v1.30.3 kubernetes/customresourcedefinitions.gen.yaml (via shared/istio-schemas)",
       "kinds": kinds, "schemas": schemas}
with open(os.path.join(here, "istio-schemas.json"), "w") as f:
    json.dump(out, f, sort_keys=True, separators=(",", ":"))
    f.write("\n")
print(f"{len(kinds)} kinds, {len(schemas)} distinct schemas")
