package terraform_test

// Acceptance by the real tools: every example's Terraform passes `terraform
// validate` with the real AWS provider, and an offline plan of qa holds what a
// platform engineer would check by hand. These tests need terraform and the
// provider mirror; without them they fail, they never skip.

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	tfjson "github.com/hashicorp/terraform-json"
	"github.com/zclconf/go-cty/cty"

	"github.com/kuberator/kuberator/compiler"
	"github.com/kuberator/kuberator/compiler/load"
	"github.com/kuberator/kuberator/internal/testutil"
)

// module writes an example's Terraform into a temp dir and runs terraform init.
func module(t *testing.T, name string) (bin, dir string) {
	t.Helper()
	bin = testutil.Terraform(t)
	res := testutil.CompileExample(t, name)
	files := map[string][]byte{}
	prefix := "terraform/" + name + "/"
	for _, p := range res.Files.Paths() {
		if rel, ok := strings.CutPrefix(p, prefix); ok {
			files[rel] = res.Files[p]
		}
	}
	return bin, testutil.WriteModule(t, bin, files)
}

func tf(t *testing.T, bin, dir string, args ...string) []byte {
	t.Helper()
	return testutil.TF(t, bin, dir, args...)
}

func TestTerraformValidate(t *testing.T) {
	for _, name := range testutil.Examples {
		t.Run(name, func(t *testing.T) {
			t.Parallel() // validate takes ~0.6 GB; -parallel (GOMAXPROCS) bounds it
			bin, dir := module(t, name)
			testutil.Validate(t, bin, dir)
		})
	}
}

// offlineOverride points the provider at a closed loopback port with fake
// credentials, so plan runs without AWS, and pins the AMI so no SSM read is needed.
const offlineOverride = `{
  "provider": {"aws": {
    "access_key": "test", "secret_key": "test", "allowed_account_ids": null,
    "skip_credentials_validation": true, "skip_requesting_account_id": true,
    "skip_metadata_api_check": true, "skip_region_validation": true,
    "endpoints": [{"autoscaling": "http://127.0.0.1:9", "ec2": "http://127.0.0.1:9", "eks": "http://127.0.0.1:9",
                   "iam": "http://127.0.0.1:9", "kms": "http://127.0.0.1:9", "ssm": "http://127.0.0.1:9", "sts": "http://127.0.0.1:9",
                   "logs": "http://127.0.0.1:9", "sqs": "http://127.0.0.1:9", "events": "http://127.0.0.1:9"}]
  }}
}`

// offlinePlan plans an example's module with no AWS to talk to and returns
// the planned resources and their configuration by address.
func offlinePlan(t *testing.T, name string) (string, map[string]*tfjson.StateResource, map[string]*tfjson.ConfigResource) {
	t.Helper()
	bin, dir := module(t, name)
	if err := os.WriteFile(filepath.Join(dir, "offline_override.tf.json"), []byte(offlineOverride), 0o644); err != nil {
		t.Fatal(err)
	}
	// Pin the AMIs, so no SSM parameter is read.
	nodes, err := os.ReadFile(filepath.Join(dir, "nodes.tf.json"))
	if err != nil {
		t.Fatal(err)
	}
	amis := map[string]any{}
	for _, arch := range []string{"x86_64", "arm64"} {
		if strings.Contains(string(nodes), `"node_ami_id_`+arch+`"`) {
			amis["node_ami_id_"+arch] = map[string]string{"default": "ami-0123456789abcdef0"}
		}
	}
	data, _ := json.Marshal(map[string]any{"variable": amis})
	if err := os.WriteFile(filepath.Join(dir, "amis_override.tf.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	tf(t, bin, dir, "plan", "-input=false", "-no-color", "-refresh=false", "-out=tfplan")
	var plan tfjson.Plan
	if err := json.Unmarshal(tf(t, bin, dir, "show", "-json", "tfplan"), &plan); err != nil {
		t.Fatal(err)
	}
	planned := map[string]*tfjson.StateResource{}
	for _, r := range plan.PlannedValues.RootModule.Resources {
		planned[r.Address] = r
	}
	config := map[string]*tfjson.ConfigResource{}
	for _, r := range plan.Config.RootModule.Resources {
		config[r.Address] = r
	}
	return dir, planned, config
}

func TestOfflinePlanQA(t *testing.T) {
	t.Parallel()
	dir, planned, config := offlinePlan(t, "qa")
	checkOperations(t, "qa", planned, config)

	// Each workload with AWS permissions gets a role only EKS Pod Identity
	// may assume, associated with its namespace and ServiceAccount.
	for addr, r := range planned {
		if r.Type != "aws_eks_pod_identity_association" || !strings.HasPrefix(r.Name, "workload_") {
			continue
		}
		name := strings.TrimPrefix(r.Name, "workload_")
		if r.AttributeValues["namespace"] != "qa" || r.AttributeValues["service_account"] != name {
			t.Errorf("%s: namespace %v, service account %v; want qa, %s", addr, r.AttributeValues["namespace"], r.AttributeValues["service_account"], name)
		}
		role := planned["aws_iam_role.workload_"+name]
		if role == nil || !strings.Contains(fmt.Sprint(role.AttributeValues["assume_role_policy"]), `"Service":"pods.eks.amazonaws.com"`) {
			t.Errorf("%s: its role is missing or not for Pod Identity: %v", addr, role)
		}
	}
	if planned["aws_eks_pod_identity_association.workload_service2"] == nil {
		t.Error("qa's service2 declares AWS permissions but plans no Pod Identity association")
	}

	var asgs []string
	for addr, r := range planned {
		if r.Type == "aws_autoscaling_group" {
			asgs = append(asgs, addr)
		}
	}
	slices.Sort(asgs)
	if len(asgs) != 6 {
		t.Fatalf("qa plans %d ASGs, want 6 (2 groups × 3 zones): %v", len(asgs), asgs)
	}
	for _, addr := range asgs {
		checkASGZone(t, addr, planned, config)
	}
	for addr, r := range planned {
		if r.Type != "aws_launch_template" {
			continue
		}
		md := r.AttributeValues["metadata_options"].([]any)[0].(map[string]any)
		if md["http_tokens"] != "required" || md["http_put_response_hop_limit"] != float64(1) {
			// Hop limit 1: pods (one hop further) cannot reach IMDS and the node role.
			t.Errorf("%s does not require IMDSv2 with hop limit 1: %v", addr, md)
		}
	}

	lt := config["aws_launch_template.system_eu_west_1a"]
	if refs := lt.Expressions["user_data"].References; !slices.Contains(refs, "local.user_data_system_eu_west_1a") {
		t.Fatalf("system launch template's user_data does not use its local: %v", refs)
	}
	checkSystemUserData(t, dir)
}

// checkASGZone asserts the ASG sits in exactly one subnet: the private subnet
// of the zone its autoscaler zone tag names.
func checkASGZone(t *testing.T, addr string, planned map[string]*tfjson.StateResource, config map[string]*tfjson.ConfigResource) {
	t.Helper()
	refs := config[addr].Expressions["vpc_zone_identifier"].References
	var subnets []string
	for _, r := range refs {
		if strings.HasPrefix(r, "aws_subnet.") && !strings.HasSuffix(r, ".id") {
			subnets = append(subnets, r)
		}
	}
	if len(subnets) != 1 {
		t.Fatalf("%s spans subnets %v, want exactly one", addr, subnets)
	}
	subnet := planned[subnets[0]].AttributeValues
	tags := subnet["tags"].(map[string]any)
	if tags["kubernetes.io/role/internal-elb"] != "1" {
		t.Errorf("%s is in %s, which is not a private subnet (tags %v)", addr, subnets[0], tags)
	}
	zone := ""
	for _, tag := range planned[addr].AttributeValues["tag"].([]any) {
		tag := tag.(map[string]any)
		if tag["key"] == "k8s.io/cluster-autoscaler/node-template/label/topology.kubernetes.io/zone" {
			zone = tag["value"].(string)
		}
	}
	if zone == "" || subnet["availability_zone"] != zone {
		t.Errorf("%s is tagged for zone %q but sits in %s in %v", addr, zone, subnets[0], subnet["availability_zone"])
	}
}

// checkSystemUserData evaluates the system node's user data template the way
// Terraform does (HCL templates; the plan cannot know the cluster endpoint),
// then decodes the MIME document and its NodeConfig.
func checkSystemUserData(t *testing.T, dir string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "nodes.tf.json"))
	if err != nil {
		t.Fatal(err)
	}
	var nodes struct {
		Locals map[string]string `json:"locals"`
	}
	if err := json.Unmarshal(data, &nodes); err != nil {
		t.Fatal(err)
	}
	tmpl, diags := hclsyntax.ParseTemplate([]byte(nodes.Locals["user_data_system_eu_west_1a"]), "user_data", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	ca := base64.StdEncoding.EncodeToString([]byte("fake CA"))
	val, diags := tmpl.Value(&hcl.EvalContext{Variables: map[string]cty.Value{
		"aws_eks_cluster": cty.ObjectVal(map[string]cty.Value{"main": cty.ObjectVal(map[string]cty.Value{
			"endpoint":              cty.StringVal("https://ABC.gr7.eu-west-1.eks.amazonaws.com"),
			"certificate_authority": cty.TupleVal([]cty.Value{cty.ObjectVal(map[string]cty.Value{"data": cty.StringVal(ca)})}),
		})}),
	}})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	cfg := testutil.NodeConfig(t, val.AsString())

	spec := cfg.Spec
	if spec.Cluster.Name != "qa" || spec.Cluster.APIServerEndpoint != "https://ABC.gr7.eu-west-1.eks.amazonaws.com" ||
		spec.Cluster.CertificateAuthority != ca || spec.Cluster.CIDR != "172.20.0.0/16" {
		t.Errorf("NodeConfig cluster = %+v", spec.Cluster)
	}
	want := map[string]map[string]string{
		"kubeReserved":   {"cpu": "250m", "memory": "1Gi", "ephemeral-storage": "1Gi"},
		"systemReserved": {"cpu": "250m", "memory": "0.2Gi", "ephemeral-storage": "1Gi"},
	}
	for k, v := range want {
		for res, q := range v {
			if got := spec.Kubelet.Config[k][res]; got != q {
				t.Errorf("kubelet %s[%s] = %q, want %q", k, res, got, q)
			}
		}
	}
	eviction := spec.Kubelet.Config["evictionHard"]
	if eviction["memory.available"] != "1Gi" || eviction["nodefs.available"] != "10%" {
		t.Errorf("evictionHard = %v", eviction)
	}
	flags := strings.Join(spec.Kubelet.Flags, " ")
	for _, want := range []string{"--node-labels=az=1a,lifecycle=on-demand,nodeGroup=system,nodeType=system", "--register-with-taints=nodeType=system:NoSchedule"} {
		if !strings.Contains(flags, want) {
			t.Errorf("kubelet flags %q lack %q", flags, want)
		}
	}
}

// TestNodesRollAfterTheControlPlane: with cluster.version bumped, the
// launch templates' AMI comes from an SSM parameter named by the cluster's
// version as Terraform holds it, so Terraform reads it, and changes the
// launch templates (which starts the nodes' refresh), only after the
// control plane is upgraded. The plan proves the order: it runs with no
// AWS to answer an SSM read, which only a read deferred to apply allows,
// and leaves every launch template's image unknown until then.
func TestNodesRollAfterTheControlPlane(t *testing.T) {
	t.Parallel()
	bin := testutil.Terraform(t)
	spec, err := os.ReadFile(testutil.ExamplePath("qa"))
	if err != nil {
		t.Fatal(err)
	}
	bumped := strings.Replace(string(spec), `version: "1.33"`, `version: "1.34"`, 1)
	res, diags, err := compiler.Compile([]load.Source{{Path: "qa.cue", Data: []byte(bumped)}}, compiler.Options{})
	if err != nil || res == nil {
		t.Fatalf("qa at 1.34 does not compile: %v %v", err, diags)
	}
	files := map[string][]byte{"offline_override.tf.json": []byte(offlineOverride)}
	for _, p := range res.Files.Paths() {
		if rel, ok := strings.CutPrefix(p, "terraform/qa/"); ok {
			files[rel] = res.Files[p]
		}
	}
	dir := testutil.WriteModule(t, bin, files)
	tf(t, bin, dir, "plan", "-input=false", "-no-color", "-refresh=false", "-out=tfplan")
	var plan tfjson.Plan
	if err := json.Unmarshal(tf(t, bin, dir, "show", "-json", "tfplan"), &plan); err != nil {
		t.Fatal(err)
	}
	for _, r := range plan.Config.RootModule.Resources {
		if r.Address == "data.aws_ssm_parameter.al2023_x86_64" && !slices.Contains(r.Expressions["name"].References, "aws_eks_cluster.main.version") {
			t.Errorf("the AMI parameter's name does not follow the cluster's version: %v", r.Expressions["name"].References)
		}
	}
	templates := 0
	for _, rc := range plan.ResourceChanges {
		if rc.Type != "aws_launch_template" {
			continue
		}
		templates++
		unknown, _ := rc.Change.AfterUnknown.(map[string]any)
		if unknown["image_id"] != true {
			t.Errorf("%s: its AMI is known before the control plane is upgraded", rc.Address)
		}
	}
	if templates == 0 {
		t.Fatal("no launch template planned")
	}
}
