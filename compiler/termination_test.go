package compiler

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// TestTerminationHandlerSidesAgree: the handler's HelmRelease reads the
// queue the Terraform makes, its role may read exactly that queue and
// complete the lifecycle actions of ASGs carrying the cluster's tag, and
// every ASG has the drain hook and tags its instances for the handler.
func TestTerminationHandlerSidesAgree(t *testing.T) {
	for _, env := range []string{"qa", "prod"} {
		_, res := compileExample(t, env)
		var tf struct {
			Resource map[string]map[string]map[string]any `json:"resource"`
		}
		decode := func(file string) {
			if err := json.Unmarshal(res.Files["terraform/"+env+"/"+file], &tf); err != nil {
				t.Fatal(err)
			}
		}
		decode("termination.tf.json")
		queue := tf.Resource["aws_sqs_queue"]["node_termination"]["name"].(string)
		hooks := tf.Resource["aws_autoscaling_lifecycle_hook"]
		decode("addons.tf.json")
		policy := tf.Resource["aws_iam_role_policy"]["addon_aws_node_termination_handler"]["policy"].(string)
		decode("nodes.tf.json")
		asgs := tf.Resource["aws_autoscaling_group"]

		var release struct {
			Spec struct {
				Values map[string]any `json:"values"`
			} `json:"spec"`
		}
		patch := res.Files["kubernetes/overlays/"+env+"/infra/patches/helmrelease-aws-node-termination-handler.yaml"]
		if err := yaml.Unmarshal(patch, &release); err != nil {
			t.Fatal(err)
		}
		url := release.Spec.Values["queueURL"].(string)
		if !strings.HasSuffix(url, "/"+res.Env.AWS.AccountID+"/"+queue) || !strings.Contains(url, "sqs."+res.Env.AWS.Region+".") ||
			release.Spec.Values["awsRegion"] != res.Env.AWS.Region {
			t.Errorf("%s: the handler reads %s in %v; the Terraform makes queue %s", env, url, release.Spec.Values["awsRegion"], queue)
		}
		for _, want := range []string{`"Resource":["${aws_sqs_queue.node_termination.arn}"]`,
			`"aws:ResourceTag/k8s.io/cluster-autoscaler/` + res.Plan.ClusterName + `":"owned"`} {
			if !strings.Contains(policy, want) {
				t.Errorf("%s: the handler's policy lacks %s:\n%s", env, want, policy)
			}
		}
		for key, asg := range asgs {
			if hooks["drain_"+key] == nil {
				t.Errorf("%s: ASG %s has no drain hook", env, key)
			}
			var tags []string
			for _, tag := range asg["tag"].([]any) {
				tag := tag.(map[string]any)
				tags = append(tags, tag["key"].(string)+"="+tag["value"].(string))
			}
			for _, want := range []string{"k8s.io/cluster-autoscaler/" + res.Plan.ClusterName + "=owned", "aws-node-termination-handler/managed=true"} {
				if !slices.Contains(tags, want) {
					t.Errorf("%s: ASG %s lacks tag %s", env, key, want)
				}
			}
		}
		if len(hooks) != len(asgs) {
			t.Errorf("%s: %d drain hooks for %d ASGs", env, len(hooks), len(asgs))
		}
	}
}
