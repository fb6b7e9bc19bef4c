//go:build e2e

package e2e

// What a team needs to run the Terraform, read back from moto: the state in
// the S3 backend, the log groups with their retention and key, the flow
// log, and the node termination handler's queue, rules and drain hooks.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cwltypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/kuberator/kuberator/compiler"
	"github.com/kuberator/kuberator/compiler/plan"
	"github.com/kuberator/kuberator/internal/testutil"
)

// s3Backend is the module's own S3 backend pointed at moto: the generated
// bucket, key, region, encryption and S3-native locking, with moto's
// endpoint and fake credentials. Left out: kms_key_id (prod's key ARN names
// an account moto does not hold). The bucket is created first.
func (m *moto) s3Backend(t *testing.T, res *compiler.Result) []byte {
	t.Helper()
	var versions struct {
		Terraform struct {
			Backend struct {
				S3 map[string]any `json:"s3"`
			} `json:"backend"`
		} `json:"terraform"`
	}
	if err := json.Unmarshal(res.Files["terraform/"+res.Env.Name+"/versions.tf.json"], &versions); err != nil {
		t.Fatal(err)
	}
	s3 := versions.Terraform.Backend.S3
	if s3 == nil || s3["use_lockfile"] != true || s3["encrypt"] != true {
		t.Fatalf("%s has no S3 backend with locking and encryption: %v", res.Env.Name, s3)
	}
	delete(s3, "kms_key_id")
	req, err := http.NewRequest(http.MethodPut, m.endpoint+"/"+s3["bucket"].(string), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("creating the state bucket in moto: %v %v", err, resp)
	}
	resp.Body.Close()
	for k, v := range map[string]any{
		"endpoints": map[string]string{"s3": m.endpoint}, "use_path_style": true,
		"access_key": "test", "secret_key": "test", "skip_credentials_validation": true,
		"skip_requesting_account_id": true, "skip_metadata_api_check": true, "skip_region_validation": true,
	} {
		s3[k] = v
	}
	data, err := json.Marshal(map[string]any{"terraform": map[string]any{"backend": map[string]any{"s3": s3}}})
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// checkStateStored: the state lives in the S3 backend, not on disk: no
// local state file, and Terraform pulls it from the bucket.
func checkStateStored(t *testing.T, bin, dir string) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(dir, "terraform.tfstate")); err == nil {
		t.Error("the state was written to a local terraform.tfstate, not to the S3 backend")
	}
	var state struct {
		Serial    int   `json:"serial"`
		Resources []any `json:"resources"`
	}
	if err := json.Unmarshal(testutil.TF(t, bin, dir, "state", "pull"), &state); err != nil || state.Serial == 0 || len(state.Resources) == 0 {
		t.Errorf("state pulled from the S3 backend: serial %d, %d resources, %v", state.Serial, len(state.Resources), err)
	}
}

func checkOperations(t *testing.T, ctx context.Context, cfg aws.Config, res *compiler.Result, vpcID string) {
	t.Helper()
	env, p := res.Env, res.Plan
	logs := cloudwatchlogs.NewFromConfig(cfg)
	groups, err := logs.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{plan.ClusterLogGroup(p.ClusterName): env.Cluster.LogRetentionDays, plan.FlowLogGroup(p.ClusterName): env.Network.FlowLogs.RetentionDays}
	for name, days := range want {
		i := slices.IndexFunc(groups.LogGroups, func(g cwltypes.LogGroup) bool { return aws.ToString(g.LogGroupName) == name })
		if i < 0 {
			t.Errorf("no log group %s", name)
			continue
		}
		g := groups.LogGroups[i]
		if aws.ToInt32(g.RetentionInDays) != int32(days) || !strings.Contains(aws.ToString(g.KmsKeyId), ":key/") {
			t.Errorf("log group %s: retention %d, key %q; want %d days and a KMS key", name, aws.ToInt32(g.RetentionInDays), aws.ToString(g.KmsKeyId), days)
		}
	}

	flows, err := ec2.NewFromConfig(cfg).DescribeFlowLogs(ctx, &ec2.DescribeFlowLogsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(flows.FlowLogs, func(f ec2types.FlowLog) bool {
		return aws.ToString(f.ResourceId) == vpcID && f.TrafficType == ec2types.TrafficTypeAll &&
			strings.HasSuffix(aws.ToString(f.LogDestination), ":log-group:"+plan.FlowLogGroup(p.ClusterName))
	}) {
		t.Errorf("no flow log of all traffic of VPC %s into %s: %+v", vpcID, plan.FlowLogGroup(p.ClusterName), flows.FlowLogs)
	}

	q := sqs.NewFromConfig(cfg)
	url, err := q.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(plan.TerminationQueue(p.ClusterName))})
	if err != nil {
		t.Fatalf("the termination queue: %v", err)
	}
	// moto answers in its own account and host; the name is what must agree.
	if want := plan.TerminationQueueURL(env.AWS.Region, env.AWS.AccountID, p.ClusterName); !strings.HasSuffix(want, "/"+plan.TerminationQueue(p.ClusterName)) ||
		!strings.HasSuffix(aws.ToString(url.QueueUrl), "/"+plan.TerminationQueue(p.ClusterName)) {
		t.Errorf("queue URL %s, the handler is given %s", aws.ToString(url.QueueUrl), want)
	}
	attrs, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: url.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameAll}})
	if err != nil {
		t.Fatal(err)
	}
	arn := attrs.Attributes["QueueArn"]
	if attrs.Attributes["MessageRetentionPeriod"] != "300" || !strings.Contains(attrs.Attributes["Policy"], "events.amazonaws.com") {
		t.Errorf("termination queue attributes: %v", attrs.Attributes)
	}

	eb := eventbridge.NewFromConfig(cfg)
	for _, key := range plan.TerminationRules {
		rule := plan.TerminationRuleName(p.ClusterName, key)
		targets, err := eb.ListTargetsByRule(ctx, &eventbridge.ListTargetsByRuleInput{Rule: aws.String(rule)})
		if err != nil {
			t.Errorf("rule %s: %v", rule, err)
			continue
		}
		if len(targets.Targets) != 1 || aws.ToString(targets.Targets[0].Arn) != arn {
			t.Errorf("rule %s targets %+v, want the queue %s", rule, targets.Targets, arn)
		}
	}

	asg := autoscaling.NewFromConfig(cfg)
	for _, g := range p.Groups {
		for _, a := range g.ASGs {
			hooks, err := asg.DescribeLifecycleHooks(ctx, &autoscaling.DescribeLifecycleHooksInput{AutoScalingGroupName: aws.String(a.Name)})
			if err != nil {
				t.Fatal(err)
			}
			if len(hooks.LifecycleHooks) != 1 || aws.ToString(hooks.LifecycleHooks[0].LifecycleTransition) != "autoscaling:EC2_INSTANCE_TERMINATING" {
				t.Errorf("ASG %s lifecycle hooks: %s", a.Name, fmt.Sprint(hooks.LifecycleHooks))
			}
		}
	}
}
