// Package terraform emits the AWS side of an environment as Terraform JSON:
// network, IAM, the EKS cluster with its managed add-ons, and one launch
// template and auto-scaling group per node group per zone. It is a pure
// function of the model and the plan.
package terraform

import (
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/kuberator/kuberator/compiler/fileset"
	"github.com/kuberator/kuberator/compiler/model"
	"github.com/kuberator/kuberator/compiler/plan"
	"github.com/kuberator/kuberator/emitters/tfjson"
)

// AWSProviderVersion is valid for every provider release whose arguments the
// emitter uses: 5.100 (the oldest tested) up to, not including, 7.0.
const AWSProviderVersion = ">= 5.100, < 7.0"

// Local names for the shared Terraform JSON helpers.
type (
	obj    = tfjson.Obj
	module = tfjson.Module
)

var ref = tfjson.Ref

// emitter carries what every file of one environment needs.
type emitter struct {
	env  *model.Environment
	plan *plan.Plan
}

// Emit returns the environment's Terraform files under terraform/<env>/.
func Emit(env *model.Environment, p *plan.Plan) (fileset.FileSet, error) {
	e := emitter{env: env, plan: p}
	files := map[string]module{
		"versions.tf.json":  e.versions(),
		"network.tf.json":   e.network(),
		"iam.tf.json":       e.iam(),
		"eks.tf.json":       e.eks(),
		"nodes.tf.json":     e.nodes(),
		"addons.tf.json":    e.addonIAM(),
		"workloads.tf.json": e.workloadIAM(),
		"outputs.tf.json":   e.outputs(),
	}
	return tfjson.Files(path.Join("terraform", env.Name), files)
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
	m.Provider("aws", obj{
		"region":              e.env.AWS.Region,
		"allowed_account_ids": []string{e.env.AWS.AccountID},
		"default_tags":        obj{"tags": e.commonTags()},
	})
	return m
}

func (e emitter) outputs() module {
	m := module{}
	public, private := obj{}, obj{}
	for _, z := range e.plan.Zones {
		public[z.Name] = ref("aws_subnet.public_%s.id", z.Key)
		private[z.Name] = ref("aws_subnet.private_%s.id", z.Key)
	}
	m.Output("cluster_name", obj{"value": ref("aws_eks_cluster.main.name")})
	m.Output("cluster_endpoint", obj{"value": ref("aws_eks_cluster.main.endpoint")})
	m.Output("cluster_security_group_id", obj{"value": ref("aws_eks_cluster.main.vpc_config[0].cluster_security_group_id")})
	m.Output("node_role_arn", obj{"value": ref("aws_iam_role.node.arn")})
	m.Output("vpc_id", obj{"value": ref("aws_vpc.main.id")})
	m.Output("public_subnet_ids", obj{"value": public})
	m.Output("private_subnet_ids", obj{"value": private})
	return m
}
