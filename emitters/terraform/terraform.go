// Package terraform emits the AWS side of an environment as Terraform JSON:
// network, IAM, the EKS cluster with its managed add-ons, and one launch
// template and auto-scaling group per node group per zone. It is a pure
// function of the model and the plan.
package terraform

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/kuberator/kuberator/compiler/fileset"
	"github.com/kuberator/kuberator/compiler/model"
	"github.com/kuberator/kuberator/compiler/plan"
)

// AWSProviderVersion is valid for every provider release whose arguments the
// emitter uses: 5.100 (the oldest tested) up to, not including, 7.0.
const AWSProviderVersion = ">= 5.100, < 7.0"

// obj is a JSON object of Terraform's JSON syntax.
type obj = map[string]any

// module is one .tf.json file under construction.
type module obj

func (m module) block(kind string, labels ...string) obj {
	cur := obj(m)
	for _, l := range append([]string{kind}, labels...) {
		next, ok := cur[l].(obj)
		if !ok {
			next = obj{}
			cur[l] = next
		}
		cur = next
	}
	return cur
}

func (m module) resource(typ, name string, body obj) { maps.Copy(m.block("resource", typ, name), body) }
func (m module) data(typ, name string, body obj)     { maps.Copy(m.block("data", typ, name), body) }
func (m module) variable(name string, body obj)      { maps.Copy(m.block("variable", name), body) }
func (m module) output(name string, body obj)        { maps.Copy(m.block("output", name), body) }
func (m module) local(name string, v any)            { m.block("locals")[name] = v }

// ref makes a Terraform interpolation of an expression.
func ref(format string, args ...any) string { return "${" + fmt.Sprintf(format, args...) + "}" }

// emitter carries what every file of one environment needs.
type emitter struct {
	env  *model.Environment
	plan *plan.Plan
}

// Emit returns the environment's Terraform files under terraform/<env>/.
func Emit(env *model.Environment, p *plan.Plan) (fileset.FileSet, error) {
	e := emitter{env: env, plan: p}
	files := map[string]module{
		"versions.tf.json": e.versions(),
		"network.tf.json":  e.network(),
		"iam.tf.json":      e.iam(),
		"eks.tf.json":      e.eks(),
		"nodes.tf.json":    e.nodes(),
		"addons.tf.json":   e.addonIAM(),
		"outputs.tf.json":  e.outputs(),
	}
	out := fileset.FileSet{}
	for name, m := range files {
		if len(m) == 0 {
			continue // nothing of this concern in this environment
		}
		data, err := fileset.JSON(m)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out[path.Join("terraform", env.Name, name)] = data
	}
	return out, nil
}

// nameTags tags a resource with its Name; the provider's default_tags add the rest.
func (e emitter) nameTags(name string, extra ...string) obj {
	tags := obj{"Name": name}
	for i := 0; i+1 < len(extra); i += 2 {
		tags[extra[i]] = extra[i+1]
	}
	return tags
}

// commonTags are the spec's tags plus the ones kuberatorc adds to everything,
// unless the spec sets them already: AWS tag keys are case-insensitive in
// places (IAM), so "environment" and "Environment" would collide.
func (e emitter) commonTags() map[string]string {
	tags := maps.Clone(e.env.Tags)
	if tags == nil {
		tags = map[string]string{}
	}
	for k, v := range map[string]string{"Environment": e.env.Name, "ManagedBy": "kuberatorc"} {
		if !slices.ContainsFunc(slices.Collect(maps.Keys(tags)), func(u string) bool { return strings.EqualFold(u, k) }) {
			tags[k] = v
		}
	}
	return tags
}

func (e emitter) versions() module {
	m := module{}
	m["terraform"] = obj{
		"required_version": ">= 1.5.0",
		"required_providers": obj{
			"aws": obj{"source": "hashicorp/aws", "version": AWSProviderVersion},
		},
	}
	m.block("provider", "aws")["region"] = e.env.AWS.Region
	m.block("provider", "aws")["allowed_account_ids"] = []string{e.env.AWS.AccountID}
	m.block("provider", "aws")["default_tags"] = obj{"tags": e.commonTags()}
	return m
}

func (e emitter) outputs() module {
	m := module{}
	public, private := obj{}, obj{}
	for _, z := range e.plan.Zones {
		public[z.Name] = ref("aws_subnet.public_%s.id", z.Key)
		private[z.Name] = ref("aws_subnet.private_%s.id", z.Key)
	}
	m.output("cluster_name", obj{"value": ref("aws_eks_cluster.main.name")})
	m.output("cluster_endpoint", obj{"value": ref("aws_eks_cluster.main.endpoint")})
	m.output("cluster_security_group_id", obj{"value": ref("aws_eks_cluster.main.vpc_config[0].cluster_security_group_id")})
	m.output("node_role_arn", obj{"value": ref("aws_iam_role.node.arn")})
	m.output("vpc_id", obj{"value": ref("aws_vpc.main.id")})
	m.output("public_subnet_ids", obj{"value": public})
	m.output("private_subnet_ids", obj{"value": private})
	return m
}
