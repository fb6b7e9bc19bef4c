// Package terraform emits the AWS side of an environment as Terraform JSON:
// network, IAM, the EKS cluster with its managed add-ons, and one launch
// template and auto-scaling group per node group per zone. It is a pure
// function of the model and the plan.
package terraform

import (
	"maps"
	"slices"
	"strings"

	"github.com/kuberator/kuberator/compiler/fileset"
	"github.com/kuberator/kuberator/compiler/layout"
	"github.com/kuberator/kuberator/compiler/model"
	"github.com/kuberator/kuberator/compiler/plan"
	"github.com/kuberator/kuberator/emitters/tfjson"
)

// AWSProviderVersion is the AWS provider constraint of every module.
const AWSProviderVersion = tfjson.AWSProviderVersion

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
		"versions.tf.json":    e.versions(),
		"network.tf.json":     e.network(),
		"iam.tf.json":         e.iam(),
		EKSFile:               e.eks(),
		NodesFile:             e.nodes(),
		"addons.tf.json":      e.addonIAM(),
		"workloads.tf.json":   e.workloadIAM(),
		"termination.tf.json": e.termination(),
		"outputs.tf.json":     e.outputs(),
	}
	return tfjson.Files(layout.Terraform(env.Name), files)
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
	m["terraform"] = tfjson.Backend(e.env, "aws", obj{
		"aws": obj{"source": "hashicorp/aws", "version": AWSProviderVersion},
	})
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
	var nat []string
	for _, z := range e.plan.Zones {
		if e.natFor(z.Name) == z.Key {
			nat = append(nat, ref("aws_eip.nat_%s.public_ip", z.Key))
		}
	}
	out := func(name, description string, value any) {
		m.Output(name, obj{"value": value, "description": description})
	}
	out("cluster_name", "The EKS cluster's name.", ref("aws_eks_cluster.main.name"))
	out("cluster_arn", "The EKS cluster's ARN.", ref("aws_eks_cluster.main.arn"))
	out("cluster_endpoint", "The Kubernetes API server's URL.", ref("aws_eks_cluster.main.endpoint"))
	out("cluster_certificate_authority_data", "The cluster CA certificate, base64-encoded, for a kubeconfig.", ref("aws_eks_cluster.main.certificate_authority[0].data"))
	out("cluster_oidc_issuer", "The cluster's OIDC issuer URL, for IRSA and federation.", ref("aws_eks_cluster.main.identity[0].oidc[0].issuer"))
	out("cluster_security_group_id", "The security group EKS created for the cluster and its nodes.", ref("aws_eks_cluster.main.vpc_config[0].cluster_security_group_id"))
	out("cluster_log_group", "The CloudWatch log group of the control plane's logs.", ref("aws_cloudwatch_log_group.cluster.name"))
	out("kms_key_arn", "The KMS key that encrypts the cluster's Secrets.", ref("aws_kms_key.eks.arn"))
	out("logs_kms_key_arn", "The KMS key that encrypts the environment's log groups.", ref("aws_kms_key.logs.arn"))
	out("node_role_arn", "The IAM role of every node.", ref("aws_iam_role.node.arn"))
	out("vpc_id", "The VPC's id.", ref("aws_vpc.main.id"))
	out("public_subnet_ids", "The public subnet of each zone, by zone.", public)
	out("private_subnet_ids", "The private subnet of each zone, by zone.", private)
	out("nat_public_ips", "The NAT gateways' public addresses: what the cluster's outbound traffic comes from, for allow-lists.", nat)
	if key := e.env.StateKey("aws"); key != "" {
		out("state_key", "Where this module's state lives in the backend's bucket.", key)
	}
	return m
}
