package terraform

import (
	"strconv"

	"github.com/kuberator/kuberator/compiler/model"
	"github.com/kuberator/kuberator/compiler/plan"
)

// workloadIAM gives each workload that declares AWS permissions its own
// role, trusted by EKS Pod Identity and associated with the workload's
// ServiceAccount in the environment's namespace: no role ARN appears in a
// manifest, and no other pod can take the role.
func (e emitter) workloadIAM() module {
	m := module{}
	for _, name := range model.SortedKeys(e.env.Workloads) {
		w := e.env.Workloads[name]
		if w.AWS == nil || len(w.AWS.Statements)+len(w.AWS.ManagedPolicies) == 0 {
			continue
		}
		key := "workload_" + plan.Key(name)
		m.Resource("aws_iam_role", key, obj{
			"name":               plan.RoleName(e.env.Name, name),
			"assume_role_policy": e.podIdentityTrust(e.env.Name, name),
		})
		deps := []string{"aws_eks_addon.eks_pod_identity_agent"}
		if len(w.AWS.Statements) > 0 {
			var statements []model.PolicyStatement
			for _, s := range w.AWS.Statements {
				statements = append(statements, model.PolicyStatement{Effect: "Allow", Action: s.Actions, Resource: s.Resources})
			}
			m.Resource("aws_iam_role_policy", key, obj{
				"name":   name,
				"role":   ref("aws_iam_role.%s.id", key),
				"policy": policyDocument(statements),
			})
		}
		for i, arn := range w.AWS.ManagedPolicies {
			k := key + "_" + strconv.Itoa(i)
			m.Resource("aws_iam_role_policy_attachment", k, obj{"role": ref("aws_iam_role.%s.name", key), "policy_arn": arn})
		}
		m.Resource("aws_eks_pod_identity_association", key, obj{
			"cluster_name":    ref("aws_eks_cluster.main.name"),
			"namespace":       e.env.Name,
			"service_account": name,
			"role_arn":        ref("aws_iam_role.%s.arn", key),
			"depends_on":      deps,
		})
	}
	return m
}
