package plan

import (
	"slices"
	"strings"

	"github.com/kuberator/kuberator/compiler/model"
)

// PublicHosts are the names external-dns points at the ALB: the ingress's
// hosts and every workload's host, sorted.
func PublicHosts(env *model.Environment) []string {
	var hosts []string
	if env.Ingress != nil {
		hosts = append(hosts, env.Ingress.Hosts...)
	}
	for _, w := range env.Workloads {
		for _, h := range w.AllHosts() {
			if !slices.Contains(hosts, h) {
				hosts = append(hosts, h)
			}
		}
	}
	slices.Sort(hosts)
	return hosts
}

// What a first apply needs to exist in the AWS account already: nothing
// kuberatorc generates creates them.
const (
	StateBucket   = "state bucket"
	SSMParameter  = "SSM parameter"
	SecretsSecret = "Secrets Manager secret"
	Certificate   = "ACM certificate"
	HostedZone    = "hosted zone"
)

// A Prerequisite is one thing the account must hold before the first
// apply.
type Prerequisite struct {
	// Kind is one of the constants above.
	Kind string
	// Name is the bucket, the parameter or secret name, the certificate
	// ARN or the zone's DNS name.
	Name string
	// Region is where it must be.
	Region string
	// ID is a hosted zone's ID, as the spec gives it.
	ID string
	// Hosts are the names a certificate must cover.
	Hosts []string
	// Property is the field of a Secrets Manager secret's JSON that is
	// read; "" for the whole secret.
	Property string
	// For says who reads it, and Field where the spec names it.
	For   string
	Field []string
}

// Prerequisites lists what the environment's first apply needs in AWS, in
// a stable order: the state bucket, the parameters and secrets (each once,
// with its first reader), the certificate, the hosted zones.
func Prerequisites(env *model.Environment) []Prerequisite {
	var out []Prerequisite
	if b := env.Terraform.Backend; b != nil {
		out = append(out, Prerequisite{Kind: StateBucket, Name: b.S3.Bucket, Region: cmpOr(b.S3.Region, env.AWS.Region),
			For: "Terraform state", Field: []string{"terraform", "backend", "s3", "bucket"}})
	}
	seen := map[string]bool{}
	for _, r := range secretReferences(env) {
		kind, name := SSMParameter, r.ref.SSMParameter
		if r.ref.SecretsManager != "" {
			kind, name = SecretsSecret, r.ref.SecretsManager
		}
		if name == "" || seen[kind+name] {
			continue // a Terraform variable is given at apply
		}
		seen[kind+name] = true
		out = append(out, Prerequisite{Kind: kind, Name: name, Region: env.AWS.Region, Property: r.ref.Key, For: r.reader, Field: r.field})
	}
	if in := env.Ingress; in != nil {
		out = append(out, Prerequisite{Kind: Certificate, Name: in.CertificateARN, Region: env.AWS.Region, Hosts: PublicHosts(env),
			For: "the ALB's HTTPS listener", Field: []string{"ingress", "certificateARN"}})
	}
	for _, zone := range model.SortedKeys(env.HostedZones) {
		out = append(out, Prerequisite{Kind: HostedZone, Name: zone, ID: env.HostedZones[zone],
			For: "external-dns", Field: []string{"hostedZones", zone}})
	}
	return out
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

type secretReference struct {
	ref    model.SecretRef
	reader string
	field  []string
}

// secretReferences are every secret the spec names, with who reads it:
// New Relic's provider and integration, the alert destinations, and the
// workloads' environment.
func secretReferences(env *model.Environment) []secretReference {
	var out []secretReference
	add := func(ref *model.SecretRef, reader string, field ...string) {
		if ref != nil {
			out = append(out, secretReference{*ref, reader, field})
		}
	}
	if a := env.Alerts; a != nil {
		if nr := a.NewRelic; nr != nil {
			add(&nr.APIKey, "the New Relic Terraform provider", "alerts", "newrelic", "apiKey")
			if a.ToNewRelic() {
				add(nr.LicenseKey, "New Relic's Kubernetes integration, through External Secrets", "alerts", "newrelic", "licenseKey")
			}
		}
		for _, name := range model.SortedKeys(a.Destinations) {
			field, ref := Credential(a.Destinations[name])
			if ref != nil {
				add(ref, "alert destination "+name+" ("+a.Destinations[name].Type+")", "alerts", "destinations", name, field)
			}
		}
	}
	for _, name := range model.SortedKeys(env.Workloads) {
		w := env.Workloads[name]
		for _, key := range model.SortedKeys(w.Env) {
			add(w.EnvRef(key), "workload "+name+", env "+key+", through External Secrets", "workloads", name, "env", key)
		}
	}
	return out
}

// FieldPath is a spec path as the user writes it.
func FieldPath(field []string) string { return strings.Join(field, ".") }
