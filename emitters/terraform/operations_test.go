package terraform_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	tfjson "github.com/hashicorp/terraform-json"

	"github.com/kuberator/kuberator/compiler/plan"
	"github.com/kuberator/kuberator/internal/testutil"
)

// checkOperations asserts, on an offline plan, what a team needs to run the
// module: access entries, add-on versions that follow the cluster, rolling
// node replacement, log groups with retention, flow logs, and the
// environment's tags on everything taggable.
func checkOperations(t *testing.T, env string, planned map[string]*tfjson.StateResource, config map[string]*tfjson.ConfigResource) {
	t.Helper()
	res := testutil.CompileExample(t, env)
	var entries, associations int
	for addr, r := range planned {
		switch r.Type {
		case "aws_eks_access_entry":
			if strings.HasPrefix(r.Name, "access_") {
				entries++
				if r.AttributeValues["type"] != "STANDARD" {
					t.Errorf("%s: type %v, want STANDARD", addr, r.AttributeValues["type"])
				}
			}
		case "aws_eks_access_policy_association":
			associations++
			scope := r.AttributeValues["access_scope"].([]any)[0].(map[string]any)
			if !strings.Contains(fmt.Sprint(r.AttributeValues["policy_arn"]), ":eks::aws:cluster-access-policy/AmazonEKS") || scope["type"] == nil {
				t.Errorf("%s: policy %v, scope %v", addr, r.AttributeValues["policy_arn"], scope)
			}
		case "aws_eks_addon":
			refs := config[addr].Expressions["addon_version"].References
			if !slices.Contains(refs, "data.aws_eks_addon_version."+r.Name+".version") {
				t.Errorf("%s: addon_version does not come from its aws_eks_addon_version (refs %v)", addr, refs)
			}
		case "aws_autoscaling_group":
			ir, _ := r.AttributeValues["instance_refresh"].([]any)
			if len(ir) != 1 || ir[0].(map[string]any)["strategy"] != "Rolling" {
				t.Errorf("%s: instance_refresh %v, want a rolling one", addr, ir)
				continue
			}
			prefs := ir[0].(map[string]any)["preferences"].([]any)[0].(map[string]any)
			// Launch before terminate: every node stays in service while its
			// replacement joins (the examples keep the defaults).
			if prefs["min_healthy_percentage"] != float64(100) || prefs["max_healthy_percentage"] != float64(110) || prefs["skip_matching"] != true {
				t.Errorf("%s: refresh preferences %v, want min healthy 100, max healthy 110, skip matching", addr, prefs)
			}
			lt := config[addr].Expressions["launch_template"]
			if lt == nil { // a mixed-instances group
				lt = config[addr].Expressions["mixed_instances_policy"]
			}
			if data, _ := json.Marshal(lt); !strings.Contains(string(data), ".latest_version") {
				t.Errorf("%s: the launch template version is not its latest_version, so a new template would not roll the nodes", addr)
			}
		}
	}
	if want := len(res.Env.Access); associations != want || entries == 0 {
		t.Errorf("%d access entries and %d policy associations, want %d associations", entries, associations, want)
	}
	for key, days := range map[string]int{"cluster": res.Env.Cluster.LogRetentionDays, "flow_logs": res.Env.Network.FlowLogs.RetentionDays} {
		g := planned["aws_cloudwatch_log_group."+key]
		if g == nil || g.AttributeValues["retention_in_days"] != float64(days) {
			t.Errorf("log group %s: %v, want retention %d", key, g, days)
			continue
		}
		if refs := config["aws_cloudwatch_log_group."+key].Expressions["kms_key_id"].References; !slices.Contains(refs, "aws_kms_key.logs") {
			t.Errorf("log group %s is not encrypted with the logs key: %v", key, refs)
		}
	}
	if deps := config["aws_eks_cluster.main"].DependsOn; !slices.Contains(deps, "aws_cloudwatch_log_group.cluster") {
		t.Errorf("the cluster does not wait for its log group, which EKS would then create without retention: %v", deps)
	}
	fl := planned["aws_flow_log.vpc"]
	if fl == nil || fl.AttributeValues["traffic_type"] != "ALL" || fl.AttributeValues["log_destination_type"] != "cloud-watch-logs" {
		t.Errorf("flow log: %v", fl)
	}
	checkTags(t, env, planned)
}

// checkTags walks the plan for any taggable resource without the
// environment's tag (Environment, or the spec's own spelling of it, which
// kuberatorc then keeps), including what launch templates and ASGs start.
func checkTags(t *testing.T, _ string, planned map[string]*tfjson.StateResource) {
	t.Helper()
	for addr, r := range planned {
		v := r.AttributeValues
		if all, ok := v["tags_all"].(map[string]any); ok && !hasEnvironment(all) {
			t.Errorf("%s: tags_all %v has no Environment tag", addr, all)
		}
		switch r.Type {
		case "aws_autoscaling_group":
			found := false
			for _, tag := range v["tag"].([]any) {
				found = found || strings.EqualFold(tag.(map[string]any)["key"].(string), "Environment")
			}
			if !found {
				t.Errorf("%s: no Environment tag", addr)
			}
		case "aws_launch_template":
			kinds := map[string]bool{}
			for _, spec := range v["tag_specifications"].([]any) {
				spec := spec.(map[string]any)
				if hasEnvironment(spec["tags"].(map[string]any)) {
					kinds[spec["resource_type"].(string)] = true
				}
			}
			if !kinds["instance"] || !kinds["volume"] || !kinds["network-interface"] {
				t.Errorf("%s: launched instances, volumes and ENIs are not all tagged: %v", addr, kinds)
			}
		}
	}
}

// checkPodIdentityTrust: every role EKS Pod Identity may assume is
// conditioned on the account, this cluster's ARN and one service account.
func checkPodIdentityTrust(t *testing.T, planned map[string]*tfjson.StateResource) {
	t.Helper()
	n := 0
	for addr, r := range planned {
		doc, _ := r.AttributeValues["assume_role_policy"].(string)
		if r.Type != "aws_iam_role" || !strings.Contains(doc, "pods.eks.amazonaws.com") {
			continue
		}
		n++
		for _, key := range []string{"aws:SourceAccount", "aws:RequestTag/eks-cluster-arn", "aws:RequestTag/kubernetes-namespace", "aws:RequestTag/kubernetes-service-account"} {
			if !strings.Contains(doc, `"`+key+`"`) {
				t.Errorf("%s: its trust policy has no %s condition: %s", addr, key, doc)
			}
		}
	}
	if n == 0 {
		t.Error("no Pod Identity role planned")
	}
}

func hasEnvironment(tags map[string]any) bool {
	for k, v := range tags {
		if strings.EqualFold(k, "Environment") && v != "" {
			return true
		}
	}
	return false
}

// TestOfflinePlanProd: prod's spot group brings the node termination
// handler's queue, its rules and a drain hook on every ASG.
func TestOfflinePlanProd(t *testing.T) {
	t.Parallel()
	_, planned, config := offlinePlan(t, "prod")
	checkOperations(t, "prod", planned, config)
	checkPodIdentityTrust(t, planned)
	for _, e := range []string{"sts", "ecr_api", "ecr_dkr"} {
		ep := planned["aws_vpc_endpoint."+e]
		if ep == nil || ep.AttributeValues["vpc_endpoint_type"] != "Interface" || ep.AttributeValues["private_dns_enabled"] != true {
			t.Errorf("prod lists %s among its endpoints: %v", e, ep)
		}
	}
	if s3 := planned["aws_vpc_endpoint.s3"]; s3 == nil || s3.AttributeValues["vpc_endpoint_type"] != "Gateway" {
		t.Errorf("prod lists s3 among its endpoints: %v", s3)
	}
	q := planned["aws_sqs_queue.node_termination"]
	if q == nil || q.AttributeValues["name"] != "prod-node-termination" || q.AttributeValues["sqs_managed_sse_enabled"] != true {
		t.Fatalf("termination queue: %v", q)
	}
	var rules []string
	for addr, r := range planned {
		if r.Type == "aws_cloudwatch_event_rule" {
			var pattern map[string]any
			if err := json.Unmarshal([]byte(r.AttributeValues["event_pattern"].(string)), &pattern); err != nil {
				t.Fatalf("%s: %v", addr, err)
			}
			rules = append(rules, fmt.Sprint(pattern["detail-type"]))
			target := config["aws_cloudwatch_event_target."+r.Name]
			if target == nil || !slices.Contains(target.Expressions["arn"].References, "aws_sqs_queue.node_termination") {
				t.Errorf("%s does not send to the termination queue", addr)
			}
		}
	}
	slices.Sort(rules)
	want := []string{"[AWS Health Event]", "[EC2 Instance State-change Notification]", "[EC2 Instance-terminate Lifecycle Action]", "[EC2 Spot Instance Interruption Warning]"}
	if !slices.Equal(rules, want) {
		t.Errorf("rules %v, want %v", rules, want)
	}
	// The ASG rule hears only this cluster's ASGs.
	var lifecycle struct {
		Detail struct {
			Groups []string `json:"AutoScalingGroupName"`
		} `json:"detail"`
	}
	if err := json.Unmarshal([]byte(planned["aws_cloudwatch_event_rule.node_termination_asg_lifecycle"].AttributeValues["event_pattern"].(string)), &lifecycle); err != nil {
		t.Fatal(err)
	}
	if len(lifecycle.Detail.Groups) == 0 || slices.ContainsFunc(lifecycle.Detail.Groups, func(g string) bool { return !strings.HasPrefix(g, "prod-") }) {
		t.Errorf("the lifecycle rule is not scoped to prod's ASGs: %v", lifecycle.Detail.Groups)
	}
	for addr, r := range planned {
		if r.Type != "aws_autoscaling_group" {
			continue
		}
		hook := planned["aws_autoscaling_lifecycle_hook.drain_"+r.Name]
		if hook == nil || hook.AttributeValues["lifecycle_transition"] != "autoscaling:EC2_INSTANCE_TERMINATING" || hook.AttributeValues["default_result"] != "CONTINUE" {
			t.Errorf("%s: drain hook %v", addr, hook)
		}
		managed := false
		for _, tag := range r.AttributeValues["tag"].([]any) {
			tag := tag.(map[string]any)
			managed = managed || tag["key"] == plan.TerminationManagedTag("prod") && tag["propagate_at_launch"] == true
		}
		if !managed {
			t.Errorf("%s: its instances lack the tag the handler checks before draining", addr)
		}
	}
}
