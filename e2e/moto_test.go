//go:build e2e

package e2e

// Apply every example's Terraform to moto, an AWS emulator on loopback, read
// it back with the AWS SDK and check what a platform engineer checks by hand.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	asgtypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	tfjson "github.com/hashicorp/terraform-json"

	"github.com/kuberator/kuberator/compiler"
	"github.com/kuberator/kuberator/compiler/plan"
	"github.com/kuberator/kuberator/internal/testutil"
)

// motoUnsupported are resource types moto 5.2 does not implement (its EKS
// API has no access entries, access policies, add-ons or Pod Identity
// associations, nor add-on versions to look up): the test switches them off
// with count = 0 and cannot check them. The offline plans in
// emitters/terraform check their arguments instead. Values replace the
// references a switched-off block makes to another one, which Terraform
// refuses without an index.
var motoUnsupported = map[string]map[string]any{
	"aws_eks_access_entry":              nil,
	"aws_eks_access_policy_association": {"principal_arn": "arn:aws:iam::000000000000:role/unused"},
	"aws_eks_addon":                     {"addon_version": "v0.0.0-eksbuild.1"},
	"aws_eks_pod_identity_association":  nil,
	"data.aws_eks_addon_version":        nil,
}

// motoDrift is what moto invents or leaves out when Terraform reads a
// resource back, so a second plan would show it as a change. Nothing else is
// excluded: any other difference fails the test.
var motoDrift = map[string][]string{
	// DescribeCluster leaves out accessConfig.bootstrapClusterCreatorAdminPermissions
	// (which forces a replacement) and upgradePolicy.
	"aws_eks_cluster": {"access_config", "upgrade_policy"},
	// moto adds a "launch-template" tag specification of its own, and creates
	// no cluster security group for the nodes to join.
	"aws_launch_template": {"tag_specifications", "vpc_security_group_ids"},
	// DescribeLifecycleHooks answers with a notification target and role of
	// moto's own invention where none were given.
	"aws_autoscaling_lifecycle_hook": {"notification_target_arn", "role_arn"},
}

type moto struct {
	endpoint string
	cmd      *exec.Cmd
}

// startMoto runs moto_server on a free loopback port and always kills that
// process, and only it, when the test ends.
func startMoto(t *testing.T) *moto {
	t.Helper()
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		t.Fatal("moto_server is not on PATH: install moto[server] (see .ci/run)")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	// Without the managed policies, AmazonEKS* policy attachments fail.
	cmd.Env = append(os.Environ(), "MOTO_IAM_LOAD_MANAGED_POLICIES=true")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	m := &moto{endpoint: fmt.Sprintf("http://127.0.0.1:%d", port), cmd: cmd}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_, _ = cmd.Process.Wait()
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(m.endpoint + "/moto-api/")
		if err == nil {
			resp.Body.Close()
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("moto_server (pid %d) did not answer on %s: %v", cmd.Process.Pid, m.endpoint, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// reset empties moto between examples: much faster than destroy.
func (m *moto) reset(t *testing.T) {
	t.Helper()
	resp, err := http.Post(m.endpoint+"/moto-api/reset", "application/json", nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("resetting moto: %v %v", err, resp)
	}
	resp.Body.Close()
}

// override points the provider at moto with fake credentials, pins the AMIs,
// and applies motoUnsupported and motoDrift.
func (m *moto) override(t *testing.T, res *compiler.Result) []byte {
	t.Helper()
	endpoints := map[string]string{}
	for _, svc := range []string{"autoscaling", "ec2", "eks", "events", "iam", "kms", "logs", "sqs", "ssm", "sts"} {
		endpoints[svc] = m.endpoint
	}
	resources := map[string]map[string]any{}
	datas := map[string]map[string]any{}
	variables := map[string]any{}
	for _, p := range res.Files.Paths() {
		if !strings.HasPrefix(p, "terraform/"+res.Env.Name+"/") {
			continue
		}
		var file struct {
			Resource map[string]map[string]any `json:"resource"`
			Data     map[string]map[string]any `json:"data"`
			Variable map[string]any            `json:"variable"`
		}
		if err := json.Unmarshal(res.Files[p], &file); err != nil {
			t.Fatal(err)
		}
		// Pin the AMIs: no public SSM parameter is read.
		for name := range file.Variable {
			if strings.HasPrefix(name, "node_ami_id_") {
				variables[name] = map[string]any{"default": "ami-12c6146b"}
			}
		}
		for typ, byName := range file.Data {
			if _, off := motoUnsupported["data."+typ]; off {
				for name := range byName {
					setKey(datas, typ, name, map[string]any{"count": 0})
				}
			}
		}
		for typ, byName := range file.Resource {
			for name := range byName {
				replace, off := motoUnsupported[typ]
				switch {
				case off:
					body := map[string]any{"count": 0}
					for k, v := range replace {
						body[k] = v
					}
					setKey(resources, typ, name, body)
				case motoDrift[typ] != nil:
					setKey(resources, typ, name, map[string]any{"lifecycle": map[string]any{"ignore_changes": motoDrift[typ]}})
				}
			}
		}
	}
	o := map[string]any{
		"provider": map[string]any{"aws": map[string]any{
			"access_key": "test", "secret_key": "test", "allowed_account_ids": nil,
			"skip_credentials_validation": true, "skip_requesting_account_id": true,
			"skip_metadata_api_check": true, "skip_region_validation": true,
			"endpoints": []any{endpoints},
		}},
		"variable": variables,
		"resource": resources,
		"data":     datas,
	}
	data, err := json.MarshalIndent(o, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func setKey(m map[string]map[string]any, typ, name string, v any) {
	if m[typ] == nil {
		m[typ] = map[string]any{}
	}
	m[typ][name] = v
}

func TestApplyToMoto(t *testing.T) {
	bin := testutil.Terraform(t)
	m := startMoto(t)
	for _, name := range []string{"qa", "prod"} {
		t.Run(name, func(t *testing.T) {
			m.reset(t)
			res := testutil.CompileExample(t, name)
			files := map[string][]byte{"moto_override.tf.json": m.override(t, res), "backend_override.tf.json": m.s3Backend(t, res)}
			for _, p := range res.Files.Paths() {
				if rel, ok := strings.CutPrefix(p, "terraform/"+name+"/"); ok {
					files[rel] = res.Files[p]
				}
			}
			dir := testutil.WriteModule(t, bin, files)
			testutil.TF(t, bin, dir, "apply", "-auto-approve", "-input=false", "-no-color")
			readBack(t, m.endpoint, res)
			checkStateStored(t, bin, dir)
			secondPlanIsEmpty(t, bin, dir)
		})
	}
}

// secondPlanIsEmpty: after apply, the configuration matches what AWS holds.
func secondPlanIsEmpty(t *testing.T, bin, dir string) {
	t.Helper()
	cmd := exec.Command(bin, "plan", "-detailed-exitcode", "-input=false", "-no-color")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE=/dev/null", "TF_IN_AUTOMATION=1")
	out, err := cmd.CombinedOutput()
	var exitErr *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exitErr) && exitErr.ExitCode() == 2:
		t.Errorf("a second plan after apply is not empty:\n%s", out)
	default:
		t.Fatalf("second plan: %v\n%s", err, out)
	}
}

func awsConfig(endpoint, region string) aws.Config {
	return aws.Config{
		Region:       region,
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String(endpoint),
	}
}

func readBack(t *testing.T, endpoint string, res *compiler.Result) {
	t.Helper()
	ctx := context.Background()
	env, p := res.Env, res.Plan
	cfg := awsConfig(endpoint, env.AWS.Region)
	ec2c := ec2.NewFromConfig(cfg)

	vpcs, err := ec2c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []ec2types.Filter{
		{Name: aws.String("tag:Name"), Values: []string{env.Name}},
	}})
	if err != nil || len(vpcs.Vpcs) != 1 || aws.ToString(vpcs.Vpcs[0].CidrBlock) != env.Network.VPCCIDR {
		t.Fatalf("want one VPC %s tagged Name=%s: %v %+v", env.Network.VPCCIDR, env.Name, err, vpcs)
	}
	vpcID := aws.ToString(vpcs.Vpcs[0].VpcId)

	subnets, err := ec2c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{
		{Name: aws.String("vpc-id"), Values: []string{vpcID}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	private := map[string]string{}      // zone → subnet id
	controlPlane := map[string]string{} // zone → subnet id
	perZone := 3                        // public, private, control plane
	if len(plan.InterfaceEndpoints(env)) > 0 {
		perZone++ // and one for the VPC endpoints
	}
	if len(subnets.Subnets) != perZone*len(p.Zones) {
		t.Errorf("VPC has %d subnets, want %d in each of %d zones", len(subnets.Subnets), perZone, len(p.Zones))
	}
	for _, z := range p.Zones {
		for _, want := range []struct{ cidr, tag string }{{z.PublicCIDR, "kubernetes.io/role/elb"}, {z.PrivateCIDR, "kubernetes.io/role/internal-elb"}} {
			i := slices.IndexFunc(subnets.Subnets, func(s ec2types.Subnet) bool { return aws.ToString(s.CidrBlock) == want.cidr })
			if i < 0 {
				t.Errorf("no subnet %s in zone %s", want.cidr, z.Name)
				continue
			}
			s := subnets.Subnets[i]
			if aws.ToString(s.AvailabilityZone) != z.Name || ec2Tag(s.Tags, want.tag) != "1" {
				t.Errorf("subnet %s: zone %s, tag %s=%q; want zone %s, tag 1", want.cidr, aws.ToString(s.AvailabilityZone), want.tag, ec2Tag(s.Tags, want.tag), z.Name)
			}
			if want.tag == "kubernetes.io/role/internal-elb" {
				private[z.Name] = aws.ToString(s.SubnetId)
			}
		}
		i := slices.IndexFunc(subnets.Subnets, func(s ec2types.Subnet) bool { return aws.ToString(s.CidrBlock) == z.ControlPlaneCIDR })
		if i < 0 || aws.ToString(subnets.Subnets[i].AvailabilityZone) != z.Name {
			t.Errorf("no control-plane subnet %s in zone %s", z.ControlPlaneCIDR, z.Name)
			continue
		}
		controlPlane[z.Name] = aws.ToString(subnets.Subnets[i].SubnetId)
	}

	checkEndpoints(t, ctx, ec2c, res, vpcID)
	checkASGs(t, ctx, cfg, ec2c, res, private)
	checkCluster(t, ctx, cfg, res, controlPlane)
	checkOperations(t, ctx, cfg, res, vpcID)
}

// checkEndpoints: the VPC endpoints the spec lists exist in the VPC, the
// interface ones in the endpoint subnets, the S3 gateway on the private
// route tables.
func checkEndpoints(t *testing.T, ctx context.Context, ec2c *ec2.Client, res *compiler.Result, vpcID string) {
	t.Helper()
	env := res.Env
	out, err := ec2c.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{Filters: []ec2types.Filter{
		{Name: aws.String("vpc-id"), Values: []string{vpcID}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	byService := map[string]ec2types.VpcEndpoint{}
	for _, e := range out.VpcEndpoints {
		byService[aws.ToString(e.ServiceName)] = e
	}
	for _, s := range plan.InterfaceEndpoints(env) {
		e, ok := byService["com.amazonaws."+env.AWS.Region+"."+s]
		if !ok || e.VpcEndpointType != ec2types.VpcEndpointTypeInterface || len(e.SubnetIds) != len(env.Network.Zones) {
			t.Errorf("interface endpoint %s: %+v", s, e)
		}
	}
	if plan.GatewayS3(env) {
		e, ok := byService["com.amazonaws."+env.AWS.Region+".s3"]
		if !ok || e.VpcEndpointType != ec2types.VpcEndpointTypeGateway || len(e.RouteTableIds) != len(env.Network.Zones) {
			t.Errorf("S3 gateway endpoint: %+v", e)
		}
	}
}

func ec2Tag(tags []ec2types.Tag, key string) string {
	for _, tag := range tags {
		if aws.ToString(tag.Key) == key {
			return aws.ToString(tag.Value)
		}
	}
	return ""
}

func checkASGs(t *testing.T, ctx context.Context, cfg aws.Config, ec2c *ec2.Client, res *compiler.Result, private map[string]string) {
	t.Helper()
	out, err := autoscaling.NewFromConfig(cfg).DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{})
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]asgtypes.AutoScalingGroup{}
	for _, g := range out.AutoScalingGroups {
		byName[aws.ToString(g.AutoScalingGroupName)] = g
	}
	want := 0
	for _, grp := range res.Plan.Groups {
		for _, a := range grp.ASGs {
			want++
			g, ok := byName[a.Name]
			if !ok {
				t.Errorf("no ASG %s", a.Name)
				continue
			}
			if aws.ToInt32(g.MinSize) != int32(a.Min) || aws.ToInt32(g.MaxSize) != int32(a.Max) || aws.ToInt32(g.DesiredCapacity) != int32(a.Desired) {
				t.Errorf("ASG %s sizes %d/%d/%d, want %d/%d/%d", a.Name, aws.ToInt32(g.MinSize), aws.ToInt32(g.DesiredCapacity), aws.ToInt32(g.MaxSize), a.Min, a.Desired, a.Max)
			}
			if aws.ToString(g.VPCZoneIdentifier) != private[a.Zone.Name] {
				t.Errorf("ASG %s is in subnets %q, want the private subnet of %s (%s)", a.Name, aws.ToString(g.VPCZoneIdentifier), a.Zone.Name, private[a.Zone.Name])
			}
			tags := map[string]string{}
			for _, tag := range g.Tags {
				tags[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
			}
			cluster := res.Plan.ClusterName
			for k, v := range map[string]string{
				"k8s.io/cluster-autoscaler/enabled": "true", "k8s.io/cluster-autoscaler/" + cluster: "owned",
				"kubernetes.io/cluster/" + cluster: "owned", "k8s.io/cluster-autoscaler/node-template/label/nodeType": grp.Spec.Role,
			} {
				if tags[k] != v {
					t.Errorf("ASG %s tag %s = %q, want %q", a.Name, k, tags[k], v)
				}
			}
			checkLaunchTemplate(t, ctx, ec2c, res, a, launchTemplateID(g))
		}
	}
	if n := len(byName); n != want {
		t.Errorf("%d ASGs exist, want %d", n, want)
	}
}

func launchTemplateID(g asgtypes.AutoScalingGroup) string {
	if g.LaunchTemplate != nil {
		return aws.ToString(g.LaunchTemplate.LaunchTemplateId)
	}
	if m := g.MixedInstancesPolicy; m != nil && m.LaunchTemplate != nil && m.LaunchTemplate.LaunchTemplateSpecification != nil {
		return aws.ToString(m.LaunchTemplate.LaunchTemplateSpecification.LaunchTemplateId)
	}
	return ""
}

// checkLaunchTemplate decodes the user data an instance would boot with.
func checkLaunchTemplate(t *testing.T, ctx context.Context, ec2c *ec2.Client, res *compiler.Result, a plan.ASG, id string) {
	t.Helper()
	out, err := ec2c.DescribeLaunchTemplateVersions(ctx, &ec2.DescribeLaunchTemplateVersionsInput{
		LaunchTemplateId: aws.String(id), Versions: []string{"$Latest"},
	})
	if err != nil || len(out.LaunchTemplateVersions) != 1 {
		t.Fatalf("launch template %q of ASG %s: %v", id, a.Name, err)
	}
	data := out.LaunchTemplateVersions[0].LaunchTemplateData
	if md := data.MetadataOptions; md == nil || md.HttpTokens != ec2types.LaunchTemplateHttpTokensStateRequired || aws.ToInt32(md.HttpPutResponseHopLimit) != 1 {
		t.Errorf("launch template of %s does not require IMDSv2 with hop limit 1 (pods must not reach the node role): %+v", a.Name, md)
	}
	raw, err := base64.StdEncoding.DecodeString(aws.ToString(data.UserData))
	if err != nil {
		t.Fatalf("user data of %s: %v", a.Name, err)
	}
	cfg := testutil.NodeConfig(t, string(raw))
	k := res.Env.Kubelet
	for name, want := range map[string]map[string]string{"kubeReserved": k.KubeReserved, "systemReserved": k.SystemReserved, "evictionHard": k.EvictionHard} {
		if got := cfg.Spec.Kubelet.Config[name]; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: kubelet %s = %v, want %v", a.Name, name, got, want)
		}
	}
	flags := strings.Join(cfg.Spec.Kubelet.Flags, " ")
	for key, value := range a.Labels {
		if !strings.Contains(flags, key+"="+value) {
			t.Errorf("%s: kubelet flags %q lack label %s=%s", a.Name, flags, key, value)
		}
	}
	for _, taint := range a.Taints {
		if !strings.Contains(flags, "--register-with-taints="+taint.String()) {
			t.Errorf("%s: kubelet flags %q lack taint %s", a.Name, flags, taint)
		}
	}
	if cfg.Spec.Cluster.Name != res.Plan.ClusterName || !strings.HasPrefix(cfg.Spec.Cluster.APIServerEndpoint, "https://") || cfg.Spec.Cluster.CertificateAuthority == "" {
		t.Errorf("%s: NodeConfig cluster %+v lacks the applied cluster's name, endpoint or CA", a.Name, cfg.Spec.Cluster)
	}
}

// checkCluster: the cluster as the spec has it, its interfaces in the
// control-plane subnets.
func checkCluster(t *testing.T, ctx context.Context, cfg aws.Config, res *compiler.Result, controlPlane map[string]string) {
	t.Helper()
	out, err := eks.NewFromConfig(cfg).DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String(res.Plan.ClusterName)})
	if err != nil {
		t.Fatal(err)
	}
	c := out.Cluster
	if aws.ToString(c.Version) != res.Env.Cluster.Version {
		t.Errorf("cluster version %s, want %s", aws.ToString(c.Version), res.Env.Cluster.Version)
	}
	vpc := c.ResourcesVpcConfig
	var want []string
	for _, id := range controlPlane {
		want = append(want, id)
	}
	got := slices.Clone(vpc.SubnetIds)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("cluster subnets %v, want the control-plane subnets %v", got, want)
	}
	ep := res.Env.Cluster.Endpoint
	if vpc.EndpointPrivateAccess != ep.Private || vpc.EndpointPublicAccess != ep.Public {
		t.Errorf("cluster endpoint private=%v public=%v, want %v %v", vpc.EndpointPrivateAccess, vpc.EndpointPublicAccess, ep.Private, ep.Public)
	}
	if ep.Public && !slices.Equal(vpc.PublicAccessCidrs, ep.PublicCIDRs) {
		t.Errorf("cluster public CIDRs %v, want %v", vpc.PublicAccessCidrs, ep.PublicCIDRs)
	}
	// The provider's encryption_config still takes resources = ["secrets"],
	// and the API still returns it: read back what the Terraform applied.
	//lint:ignore SA1019 the field is deprecated in the SDK, not in what EKS stores
	if len(c.EncryptionConfig) != 1 || !slices.Equal(c.EncryptionConfig[0].Resources, []string{"secrets"}) {
		t.Errorf("cluster secrets encryption %+v, want secrets encrypted with the KMS key", c.EncryptionConfig)
	}
}

// TestClusterMovesToItsOwnSubnetsInPlace: a cluster the previous release
// made, with its interfaces in the private subnets, moves to the
// control-plane subnets as an update: the provider plans no replacement
// of the cluster (which would take it and everything in it away).
func TestClusterMovesToItsOwnSubnetsInPlace(t *testing.T) {
	bin := testutil.Terraform(t)
	m := startMoto(t)
	res := testutil.CompileExample(t, "qa")
	files := map[string][]byte{"moto_override.tf.json": m.override(t, res), "backend_override.tf.json": m.s3Backend(t, res)}
	for _, p := range res.Files.Paths() {
		if rel, ok := strings.CutPrefix(p, "terraform/qa/"); ok {
			files[rel] = res.Files[p]
		}
	}
	current := map[string][]byte{"eks.tf.json": files["eks.tf.json"], "network.tf.json": files["network.tf.json"]}
	files["eks.tf.json"], files["network.tf.json"] = previousRelease(t, current["eks.tf.json"], current["network.tf.json"], res)
	dir := testutil.WriteModule(t, bin, files)
	testutil.TF(t, bin, dir, "apply", "-auto-approve", "-input=false", "-no-color")

	for name, data := range current {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	testutil.TF(t, bin, dir, "plan", "-input=false", "-no-color", "-out=move.plan")
	var p tfjson.Plan
	if err := json.Unmarshal(testutil.TF(t, bin, dir, "show", "-json", "move.plan"), &p); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, rc := range p.ResourceChanges {
		if rc.Change.Actions.Delete() || rc.Change.Actions.Replace() {
			t.Errorf("moving the cluster to its own subnets deletes %s (%v)", rc.Address, rc.Change.Actions)
		}
		if rc.Address != "aws_eks_cluster.main" {
			continue
		}
		found = true
		if !rc.Change.Actions.Update() {
			t.Errorf("moving the cluster to its own subnets plans %v, want an update in place", rc.Change.Actions)
		}
	}
	if !found {
		t.Error("the plan does not touch aws_eks_cluster.main: its subnets did not change")
	}
}

// previousRelease is eks.tf.json and network.tf.json as the previous
// release wrote them: no control-plane subnets, and the cluster's
// subnet_ids the private subnets. So the move creates the subnets and
// changes the cluster in one apply, their IDs unknown when it is planned.
func previousRelease(t *testing.T, eksJSON, networkJSON []byte, res *compiler.Result) (eks, network []byte) {
	t.Helper()
	var private []any
	for _, z := range res.Plan.Zones {
		private = append(private, fmt.Sprintf("${aws_subnet.private_%s.id}", z.Key))
	}
	eks = editJSON(t, eksJSON, func(resources map[string]any) {
		cluster := resources["aws_eks_cluster"].(map[string]any)["main"].(map[string]any)
		cluster["vpc_config"].(map[string]any)["subnet_ids"] = private
	})
	network = editJSON(t, networkJSON, func(resources map[string]any) {
		for _, z := range res.Plan.Zones {
			delete(resources["aws_subnet"].(map[string]any), "control_plane_"+z.Key)
		}
	})
	return eks, network
}

func editJSON(t *testing.T, data []byte, edit func(resources map[string]any)) []byte {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	edit(doc["resource"].(map[string]any))
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
