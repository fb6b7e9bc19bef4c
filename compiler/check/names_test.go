package check_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/kuberator/kuberator/compiler/check"
	"github.com/kuberator/kuberator/internal/testutil"
)

// TestDerivedNamesCoverTheOutput: every IAM role, instance profile, launch
// template prefix and ASG the Terraform names is one the name check knows,
// so a name the check does not see cannot overflow.
func TestDerivedNamesCoverTheOutput(t *testing.T) {
	for _, env := range []string{"qa", "prod"} {
		res := testutil.CompileExample(t, env)
		known := check.DerivedNames(res.Env, res.Plan)
		for _, file := range []string{"iam.tf.json", "addons.tf.json", "nodes.tf.json", "eks.tf.json", "network.tf.json", "termination.tf.json"} {
			var m struct {
				Resource map[string]map[string]map[string]any `json:"resource"`
			}
			if err := json.Unmarshal(res.Files["terraform/"+env+"/"+file], &m); err != nil {
				t.Fatal(err)
			}
			for typ, what := range map[string]string{"aws_iam_role": "IAM role name", "aws_iam_instance_profile": "instance profile name",
				"aws_autoscaling_group": "auto-scaling group name", "aws_launch_template": "launch template name prefix",
				"aws_cloudwatch_log_group": "CloudWatch log group name", "aws_sqs_queue": "SQS queue name", "aws_kms_alias": "KMS alias",
				"aws_cloudwatch_event_rule": "EventBridge rule name"} {
				for key, body := range m.Resource[typ] {
					name, _ := body["name"].(string)
					if prefix, ok := body["name_prefix"].(string); ok {
						name = prefix
					}
					if !slices.Contains(known, what+" "+name) {
						t.Errorf("%s %s.%s: %s %q is not checked against its limit", env, typ, key, what, name)
					}
				}
			}
		}
	}
}
