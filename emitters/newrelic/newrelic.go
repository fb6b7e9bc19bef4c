// Package newrelic emits an environment's alerting as Terraform JSON for the
// newrelic provider: one policy, a NRQL condition per rule filtered on the
// environment's cluster (and namespace), a destination and channel per place
// alerts go, and workflows that route issues there by severity. Secrets come
// from SSM parameters or sensitive variables, never literals. It is a pure
// function of the model and the plan.
package newrelic

import (
	"encoding/json"
	"slices"

	"github.com/kuberator/kuberator/compiler/fileset"
	"github.com/kuberator/kuberator/compiler/layout"
	"github.com/kuberator/kuberator/compiler/model"
	"github.com/kuberator/kuberator/compiler/plan"
	"github.com/kuberator/kuberator/emitters/tfjson"
)

// ProviderVersion is the newrelic provider constraint.
const ProviderVersion = "~> 3.0"

type (
	obj    = tfjson.Obj
	module = tfjson.Module
)

var ref = tfjson.Ref

type emitter struct {
	env  *model.Environment
	plan *plan.Plan
}

// Emit returns newrelic/<env>/*.tf.json, or nothing without alerts.
func Emit(env *model.Environment, p *plan.Plan) (fileset.FileSet, error) {
	if !env.Alerts.ToNewRelic() {
		return fileset.FileSet{}, nil
	}
	e := emitter{env: env, plan: p}
	files := map[string]module{
		"versions.tf.json":      e.versions(),
		"secrets.tf.json":       e.secrets(),
		"policy.tf.json":        e.policy(),
		"notifications.tf.json": e.notifications(),
	}
	return tfjson.Files(layout.NewRelic(env.Name), files)
}

func (e emitter) versions() module {
	nr := e.env.Alerts.NewRelic
	m := module{"terraform": tfjson.Backend(e.env, "newrelic", obj{
		"newrelic": obj{"source": "newrelic/newrelic", "version": ProviderVersion},
		// For the SSM parameters that hold the secrets.
		"aws": obj{"source": "hashicorp/aws", "version": tfjson.AWSProviderVersion},
	})}
	m.Provider("newrelic", obj{"account_id": nr.AccountID, "api_key": secret(nr.APIKey), "region": nr.Region})
	m.Provider("aws", obj{"region": e.env.AWS.Region})
	return m
}

// secrets reads every referenced secret: SSM parameters through the AWS
// provider, the rest as sensitive variables set at apply time.
func (e emitter) secrets() module {
	m := module{}
	for _, r := range e.secretRefs() {
		if r.SSMParameter != "" {
			m.Data("aws_ssm_parameter", ssmKey(r.SSMParameter), obj{"name": r.SSMParameter, "with_decryption": true})
		} else {
			m.Variable(r.Variable, obj{"type": "string", "sensitive": true, "description": "A secret for New Relic alerting; set it at apply time, never in a file."})
		}
	}
	return m
}

func (e emitter) secretRefs() []model.SecretRef {
	refs := []model.SecretRef{e.env.Alerts.NewRelic.APIKey}
	for _, name := range model.SortedKeys(e.env.Alerts.Destinations) {
		d := e.env.Alerts.Destinations[name]
		for _, r := range []*model.SecretRef{d.WebhookURL, d.APIKey, d.IntegrationKey, d.URL} {
			if r != nil && !slices.Contains(refs, *r) {
				refs = append(refs, *r)
			}
		}
	}
	return refs
}

func secret(r model.SecretRef) string {
	if r.SSMParameter != "" {
		return ref("data.aws_ssm_parameter.%s.value", ssmKey(r.SSMParameter))
	}
	return ref("var.%s", r.Variable)
}

// ssmKey names an SSM parameter's data source: /qa/slack/webhook → qa_slack_webhook.
func ssmKey(name string) string {
	b := []byte(name[1:])
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			b[i] = '_'
		}
	}
	return string(b)
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // strings and maps only
	}
	return string(b)
}
