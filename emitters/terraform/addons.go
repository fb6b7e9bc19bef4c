package terraform

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/kuberator/kuberator/compiler/model"
	"github.com/kuberator/kuberator/compiler/plan"
)

// EBSCSIServiceAccount is the EBS CSI driver controller's service account.
const EBSCSIServiceAccount = "ebs-csi-controller-sa"

// addonIAM grants each add-on that calls AWS its permissions through EKS Pod
// Identity: a role trusted by pods.eks.amazonaws.com, an inline policy from
// the catalog, and an association with the add-on's service account. No role
// ARN appears in a Kubernetes manifest. Stateful volumes bring the EBS CSI
// driver as an EKS add-on with its own role.
func (e emitter) addonIAM() module {
	m := module{}
	for _, name := range model.SortedKeys(e.plan.Addons) {
		c := e.plan.Addons[name].Catalog
		if c == nil || len(c.Policy) == 0 || c.ShipsLogs && !e.shipsLogs() {
			continue
		}
		deps := []string{"aws_eks_addon.eks_pod_identity_agent"}
		if c.ShipsLogs {
			// The shipper must not ship into a group that does not exist yet.
			deps = append(deps, "aws_cloudwatch_log_group.containers")
		}
		key := "addon_" + plan.Key(name)
		policy := e.addonPolicy(c.Policy)
		if policy == "" {
			continue
		}
		m.Resource("aws_iam_role", key, obj{
			"name":               plan.RoleName(e.env.Name, name),
			"assume_role_policy": e.podIdentityTrust(c.Namespace, c.ServiceAccount),
		})
		m.Resource("aws_iam_role_policy", key, obj{
			"name":   name,
			"role":   ref("aws_iam_role.%s.id", key),
			"policy": policy,
		})
		m.Resource("aws_eks_pod_identity_association", key, obj{
			"cluster_name":    ref("aws_eks_cluster.main.name"),
			"namespace":       c.Namespace,
			"service_account": c.ServiceAccount,
			"role_arn":        ref("aws_iam_role.%s.arn", key),
			"depends_on":      deps,
		})
	}
	if e.plan.Runs(plan.ExternalDNS) && len(e.env.HostedZones) == 0 {
		// Without zone IDs in the spec, the zones are looked up by name.
		for _, d := range e.env.DNSDomains() {
			m.Data("aws_route53_zone", zoneKey(d), obj{"name": d, "private_zone": false})
		}
	}
	if e.shipsLogs() {
		m.Resource("aws_cloudwatch_log_group", "containers", obj{
			"name":              plan.ContainerLogGroup(e.plan.ClusterName),
			"retention_in_days": e.env.Logs.RetentionDays,
			"kms_key_id":        ref("aws_kms_key.logs.arn"),
			"tags":              e.nameTags(plan.ContainerLogGroup(e.plan.ClusterName)),
		})
	}
	if e.needsEBS() {
		m.Resource("aws_iam_role", "ebs_csi", obj{
			"name":               plan.RoleName(e.env.Name, "ebs-csi"),
			"assume_role_policy": e.podIdentityTrust("kube-system", EBSCSIServiceAccount),
		})
		m.Resource("aws_iam_role_policy_attachment", "ebs_csi", obj{
			"role":       ref("aws_iam_role.ebs_csi.name"),
			"policy_arn": "arn:" + ref("data.aws_partition.current.partition") + ":iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy",
		})
		ebs := e.managedAddon(m, "aws-ebs-csi-driver", e.systemPlacementFor("controller"))
		ebs["pod_identity_association"] = obj{"role_arn": ref("aws_iam_role.ebs_csi.arn"), "service_account": EBSCSIServiceAccount}
		ebs["depends_on"] = []string{"aws_eks_addon.eks_pod_identity_agent", "aws_iam_role_policy_attachment.ebs_csi"}
		m.Resource("aws_eks_addon", "aws_ebs_csi_driver", ebs)
	}
	return m
}

// shipsLogs: an add-on ships to the environment's CloudWatch log group.
func (e emitter) shipsLogs() bool {
	_, ok := e.plan.LogShipper()
	return ok && e.env.Logs.Destination == "cloudwatch"
}

// needsEBS: a stateful workload with a volume needs the EBS CSI driver.
func (e emitter) needsEBS() bool {
	for _, w := range e.env.Workloads {
		if w.Stateful && w.Volume != nil {
			return true
		}
	}
	return false
}

// addonPolicy fills the catalog's placeholders: the partition (resolved by
// Terraform), the cluster's name, and the ARNs of the spec's hosted zones.
func (e emitter) addonPolicy(statements []model.PolicyStatement) string {
	var zones []string
	for _, name := range model.SortedKeys(e.env.HostedZones) {
		zones = append(zones, "arn:$(partition):route53:::hostedzone/"+e.env.HostedZones[name])
	}
	if len(zones) == 0 {
		for _, d := range e.env.DNSDomains() {
			zones = append(zones, ref("data.aws_route53_zone.%s.arn", zoneKey(d)))
		}
	}
	var parameters, secrets []string
	for _, s := range plan.ClusterSecrets(e.env) {
		if s.SecretsManager {
			// Secrets Manager appends six random characters to a secret's ARN.
			secrets = append(secrets, fmt.Sprintf("arn:$(partition):secretsmanager:%s:%s:secret:%s-??????", e.env.AWS.Region, e.env.AWS.AccountID, s.Parameter))
			continue
		}
		parameters = append(parameters, fmt.Sprintf("arn:$(partition):ssm:%s:%s:parameter%s", e.env.AWS.Region, e.env.AWS.AccountID, s.Parameter))
	}
	var out []model.PolicyStatement
	for _, s := range statements {
		var resources []string
		for _, r := range s.Resource {
			switch r {
			case "$(hostedZones)":
				resources = append(resources, zones...)
			case "$(ssmParameters)":
				resources = append(resources, parameters...)
			case "$(secretsManagerSecrets)":
				resources = append(resources, secrets...)
			default:
				resources = append(resources, r)
			}
		}
		if len(resources) == 0 {
			continue // nothing to grant
		}
		s.Resource = resources
		out = append(out, s)
	}
	if len(out) == 0 {
		return ""
	}
	r := strings.NewReplacer("$(partition)", ref("data.aws_partition.current.partition"), "$(cluster)", e.plan.ClusterName,
		"$(region)", e.env.AWS.Region, "$(account)", e.env.AWS.AccountID, "$(logGroup)", plan.ContainerLogGroup(e.plan.ClusterName),
		"$(terminationQueue)", ref("aws_sqs_queue.node_termination.arn"))
	return r.Replace(policyDocument(out))
}

// zoneKey names a hosted zone's data source.
func zoneKey(domain string) string {
	return strings.NewReplacer(".", "_", "-", "_").Replace(domain)
}

func policyDocument(statements []model.PolicyStatement) string {
	b, err := json.Marshal(obj{"Version": "2012-10-17", "Statement": statements})
	if err != nil {
		panic(err) // strings only
	}
	return string(b)
}
