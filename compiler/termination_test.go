package compiler

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/kuberator/kuberator/compiler/plan"
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
		patch := res.Files["kubernetes/overlays/"+env+"/infra/helmrelease-aws-node-termination-handler.yaml"]
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
			for _, want := range []string{"k8s.io/cluster-autoscaler/" + res.Plan.ClusterName + "=owned", release.Spec.Values["managedTag"].(string) + "=true"} {
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

// TestDrainChainFitsTheHook adds up, from the generated files, the chain
// from an ASG's termination to the instance going: the handler's poll of
// its queue, the load balancer controller dropping the labelled node, the
// ALB's deregistration delay and the handler's node drain, which must
// itself outlast the slowest pod's grace. All of it must fit inside the
// lifecycle hook's heartbeat timeout, or the ASG terminates mid-drain.
func TestDrainChainFitsTheHook(t *testing.T) {
	for _, env := range []string{"qa", "prod"} {
		_, res := compileExample(t, env)
		var tf struct {
			Resource map[string]map[string]map[string]any `json:"resource"`
		}
		if err := json.Unmarshal(res.Files["terraform/"+env+"/termination.tf.json"], &tf); err != nil {
			t.Fatal(err)
		}
		heartbeat := 0
		for _, hook := range tf.Resource["aws_autoscaling_lifecycle_hook"] {
			heartbeat = int(hook["heartbeat_timeout"].(float64))
		}
		values := func(file string) map[string]any {
			var hr struct {
				Spec struct {
					Values map[string]any `json:"values"`
				} `json:"spec"`
			}
			if err := yaml.Unmarshal(res.Files[file], &hr); err != nil {
				t.Fatal(err)
			}
			return hr.Spec.Values
		}
		handler := values("kubernetes/overlays/" + env + "/infra/helmrelease-aws-node-termination-handler.yaml")
		drain := int(handler["nodeTerminationGracePeriod"].(float64))
		if handler["excludeFromLoadBalancers"] != true {
			t.Errorf("%s: the handler does not label a node out of the load balancers before it drains it", env)
		}
		var entry struct {
			Metadata struct {
				Annotations map[string]string `json:"annotations"`
			} `json:"metadata"`
		}
		if err := yaml.Unmarshal(res.Files["kubernetes/overlays/"+env+"/configs/ingress-alb-to-nginx.yaml"], &entry); err != nil {
			t.Fatal(err)
		}
		attrs := entry.Metadata.Annotations["alb.ingress.kubernetes.io/target-group-attributes"]
		delay, err := strconv.Atoi(strings.TrimPrefix(attrs, "deregistration_delay.timeout_seconds="))
		if err != nil {
			t.Fatalf("%s: no deregistration delay on the ALB (%q)", env, attrs)
		}
		nginx := values("kubernetes/overlays/" + env + "/infra/helmrelease-nginx-ingress.yaml")["controller"].(map[string]any)
		nginxGrace := int(nginx["terminationGracePeriodSeconds"].(float64))
		preStop := int(nginx["lifecycle"].(map[string]any)["preStop"].(map[string]any)["sleep"].(map[string]any)["seconds"].(float64))
		workerShutdown, err := time.ParseDuration(nginx["config"].(map[string]any)["entries"].(map[string]any)["worker-shutdown-timeout"].(string))
		if err != nil {
			t.Fatal(err)
		}
		if preStop+int(workerShutdown.Seconds()) >= nginxGrace {
			t.Errorf("%s: nginx sleeps %ds and drains %s, within a grace of only %ds", env, preStop, workerShutdown, nginxGrace)
		}
		slowest := nginxGrace
		for _, w := range res.Env.Workloads {
			slowest = max(slowest, w.TerminationGracePeriodSeconds)
		}
		if drain <= slowest {
			t.Errorf("%s: the handler drains a node for %ds, and a pod may take %ds to stop", env, drain, slowest)
		}
		if chain := plan.SQSPollSeconds + plan.LBCSyncSeconds + delay + drain; chain > heartbeat {
			t.Errorf("%s: the drain chain takes up to %ds (poll %d + controller %d + deregistration %d + drain %d), the hook holds the node %ds",
				env, chain, plan.SQSPollSeconds, plan.LBCSyncSeconds, delay, drain, heartbeat)
		}
	}
}
