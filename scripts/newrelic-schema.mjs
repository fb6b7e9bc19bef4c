// Derives a compact schema of the New Relic Terraform provider from the jsii
// metadata of the npm package @cdktf/provider-newrelic, which is generated
// from the provider's own schema. The provider itself cannot be installed
// here; the tests check our Terraform JSON against this file instead.
//
// Usage: node scripts/newrelic-schema.mjs path/to/package/.jsii > emitters/newrelic/testdata/provider-schema.json
//
// Output: {"provider": {...}, "resource": {"newrelic_x": S}, "data": {"newrelic_y": S}} where
// S = {"attributes": {name: {"type": "string|number|bool|list|map", "required": bool}},
//      "blocks": {name: {"required": bool, "schema": S}}}
import { readFileSync } from "node:fs";

const jsii = JSON.parse(readFileSync(process.argv[2], "utf8"));
const types = jsii.types;
const out = { source: `${jsii.name}@${jsii.version}`, provider: {}, resource: {}, data: {} };

// Each property's Terraform name is the anchor of its registry link.
function tfName(prop) {
  const text = `${prop.docs?.remarks ?? ""} ${prop.docs?.see ?? ""}`;
  const m = text.match(/#([a-z0-9_]+) /);
  return m ? m[1] : prop.name.replace(/[A-Z]/g, (c) => "_" + c.toLowerCase());
}

function structOf(t) {
  if (t.fqn && types[t.fqn]?.datatype) return { fqn: t.fqn, list: false };
  const parts = t.union?.types ?? [t];
  for (const p of parts) {
    const el = p.collection?.elementtype;
    if (el?.fqn && types[el.fqn]?.datatype) return { fqn: el.fqn, list: true };
    if (p.fqn && types[p.fqn]?.datatype) return { fqn: p.fqn, list: false };
  }
  return null;
}

function kind(t) {
  const parts = t.union?.types ?? [t];
  for (const p of parts) {
    if (p.primitive === "boolean") return "bool";
    if (p.primitive) return p.primitive;
    if (p.collection?.kind === "array") return "list";
    if (p.collection?.kind === "map") return "map";
  }
  return "any";
}

// Properties of a config struct, including those of the structs it extends
// (but not Terraform's meta-arguments: count, depends_on, provider, …).
function properties(fqn) {
  const t = types[fqn];
  let props = [...(t.properties ?? [])];
  for (const parent of t.interfaces ?? []) {
    if (types[parent]) props = props.concat(properties(parent));
  }
  return props;
}

function schemaOf(fqn) {
  const s = { attributes: {}, blocks: {} };
  for (const p of properties(fqn)) {
    const name = tfName(p);
    if (name === "timeouts") continue;
    const st = structOf(p.type);
    if (st) {
      s.blocks[name] = { required: !p.optional, list: st.list, schema: schemaOf(st.fqn) };
    } else {
      s.attributes[name] = { type: kind(p.type), required: !p.optional };
    }
  }
  return s;
}

for (const [fqn, t] of Object.entries(types)) {
  if (t.kind !== "class" || !t.initializer) continue;
  const m = (t.docs?.summary ?? "").match(/Represents a \{@link \S+ (newrelic_[a-z0-9_]+|newrelic)\}/);
  if (!m) continue;
  const config = t.initializer.parameters?.find((p) => p.name === "config")?.type?.fqn;
  if (!config) continue;
  const isData = fqn.split(".")[1].startsWith("data");
  if (m[1] === "newrelic") out.provider = schemaOf(config);
  else (isData ? out.data : out.resource)[m[1]] = schemaOf(config);
}

const sorted = (v) =>
  Array.isArray(v) ? v.map(sorted)
  : v && typeof v === "object" ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted(v[k])]))
  : v;
process.stdout.write(JSON.stringify(sorted(out), null, 1) + "\n");
