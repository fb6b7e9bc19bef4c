package newrelic_test

import (
	"strings"
	"testing"

	"github.com/kuberator/kuberator/emitters/terraform"
	"github.com/kuberator/kuberator/internal/testutil"
)

// awsOnlyVersions replaces versions.tf.json: the newrelic provider cannot be
// installed here (its schema is checked in schema_test.go instead).
var awsOnlyVersions = `{"terraform": {"required_providers": {"aws": {"source": "hashicorp/aws", "version": "` + terraform.AWSProviderVersion + `"}}},
 "provider": {"aws": {"region": "eu-west-1"}}}`

// TestAWSPartsValidate: the SSM look-ups and secret variables of each alerting
// module pass terraform validate with the real AWS provider.
func TestAWSPartsValidate(t *testing.T) {
	for _, name := range []string{"qa", "prod"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			bin := testutil.Terraform(t)
			res := testutil.CompileExample(t, name)
			secrets := res.Files["newrelic/"+name+"/secrets.tf.json"]
			if len(secrets) == 0 || !strings.Contains(string(secrets), `"aws_ssm_parameter"`) && !strings.Contains(string(secrets), `"variable"`) {
				t.Fatalf("%s has no secret references to validate:\n%s", name, secrets)
			}
			dir := testutil.WriteModule(t, bin, map[string][]byte{
				"versions.tf.json": []byte(awsOnlyVersions),
				"secrets.tf.json":  secrets,
			})
			testutil.Validate(t, bin, dir)
		})
	}
}
