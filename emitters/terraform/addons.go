package terraform

import (
	"encoding/json"

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
	for _, name := range model.SortedKeys(e.env.Addons) {
		c := e.env.Addons[name].Catalog
		if c == nil || len(c.Policy) == 0 {
			continue
		}
		key := "addon_" + plan.Key(name)
		m.Resource("aws_iam_role", key, obj{
			"name":               e.env.Name + "-" + name,
			"assume_role_policy": assumeRolePolicy("pods.eks.amazonaws.com", "sts:AssumeRole", "sts:TagSession"),
		})
		m.Resource("aws_iam_role_policy", key, obj{
			"name":   name,
			"role":   ref("aws_iam_role.%s.id", key),
			"policy": policyDocument(c.Policy),
		})
		m.Resource("aws_eks_pod_identity_association", key, obj{
			"cluster_name":    ref("aws_eks_cluster.main.name"),
			"namespace":       c.Namespace,
			"service_account": c.ServiceAccount,
			"role_arn":        ref("aws_iam_role.%s.arn", key),
			"depends_on":      []string{"aws_eks_addon.eks_pod_identity_agent"},
		})
	}
	if e.needsEBS() {
		m.Resource("aws_iam_role", "ebs_csi", obj{
			"name":               e.env.Name + "-ebs-csi",
			"assume_role_policy": assumeRolePolicy("pods.eks.amazonaws.com", "sts:AssumeRole", "sts:TagSession"),
		})
		m.Resource("aws_iam_role_policy_attachment", "ebs_csi", obj{
			"role":       ref("aws_iam_role.ebs_csi.name"),
			"policy_arn": "arn:" + ref("data.aws_partition.current.partition") + ":iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy",
		})
		ebs := addon("aws-ebs-csi-driver", e.systemPlacementFor("controller"))
		ebs["pod_identity_association"] = obj{"role_arn": ref("aws_iam_role.ebs_csi.arn"), "service_account": EBSCSIServiceAccount}
		ebs["depends_on"] = []string{"aws_eks_addon.eks_pod_identity_agent", "aws_iam_role_policy_attachment.ebs_csi"}
		m.Resource("aws_eks_addon", "aws_ebs_csi_driver", ebs)
	}
	return m
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

func policyDocument(statements []model.PolicyStatement) string {
	b, err := json.Marshal(obj{"Version": "2012-10-17", "Statement": statements})
	if err != nil {
		panic(err) // strings only
	}
	return string(b)
}
