package terraform

import (
	"encoding/json"

	"github.com/kuberator/kuberator/compiler/plan"
)

// Managed policies the node role needs to join the cluster, run the VPC CNI,
// pull images and be reachable through SSM instead of SSH.
var nodePolicies = []string{
	"AmazonEKSWorkerNodePolicy",
	"AmazonEKS_CNI_Policy",
	"AmazonEC2ContainerRegistryPullOnly",
	"AmazonSSMManagedInstanceCore",
}

// iam emits the cluster role, the node role with its policies and the node
// instance profile.
func (e emitter) iam() module {
	m := module{}
	m.Data("aws_partition", "current", obj{})
	m.Resource("aws_iam_role", "cluster", obj{
		"name":               plan.RoleName(e.env.Name, "eks-cluster"),
		"assume_role_policy": assumeRolePolicy("eks.amazonaws.com", "sts:AssumeRole", "sts:TagSession"),
	})
	m.Resource("aws_iam_role_policy_attachment", "cluster_AmazonEKSClusterPolicy", obj{
		"role":       ref("aws_iam_role.cluster.name"),
		"policy_arn": managedPolicy("AmazonEKSClusterPolicy"),
	})
	m.Resource("aws_iam_role", "node", obj{
		"name":               plan.RoleName(e.env.Name, "eks-node"),
		"assume_role_policy": assumeRolePolicy("ec2.amazonaws.com", "sts:AssumeRole"),
	})
	for _, p := range nodePolicies {
		m.Resource("aws_iam_role_policy_attachment", "node_"+p, obj{
			"role":       ref("aws_iam_role.node.name"),
			"policy_arn": managedPolicy(p),
		})
	}
	m.Resource("aws_iam_instance_profile", "node", obj{
		"name": plan.InstanceProfileName(e.env.Name),
		"role": ref("aws_iam_role.node.name"),
	})
	return m
}

// nodePolicyAttachments are the resources a node needs before it boots.
func nodePolicyAttachments() []string {
	out := make([]string, len(nodePolicies))
	for i, p := range nodePolicies {
		out[i] = "aws_iam_role_policy_attachment.node_" + p
	}
	return out
}

func managedPolicy(name string) string {
	return "arn:" + ref("data.aws_partition.current.partition") + ":iam::aws:policy/" + name
}

// assumeRolePolicy is a trust policy for one AWS service principal.
// podIdentityTrust lets EKS Pod Identity assume a role for one service
// account of this cluster alone. pods.eks.amazonaws.com names no cluster,
// so without conditions any cluster of the account could associate the
// role. EKS passes the session tags eks-cluster-arn, kubernetes-namespace
// and kubernetes-service-account when it assumes the role, and the EKS user
// guide (pod-id-role) conditions the trust policy on them; the account
// guards against a confused deputy.
func (e emitter) podIdentityTrust(namespace, serviceAccount string) string {
	cluster := "arn:" + ref("data.aws_partition.current.partition") + ":eks:" + e.env.AWS.Region + ":" +
		e.env.AWS.AccountID + ":cluster/" + e.plan.ClusterName
	return policyJSON(obj{
		"Version": "2012-10-17",
		"Statement": []obj{{
			"Effect":    "Allow",
			"Principal": obj{"Service": "pods.eks.amazonaws.com"},
			"Action":    []string{"sts:AssumeRole", "sts:TagSession"},
			"Condition": obj{"StringEquals": obj{
				"aws:SourceAccount":                         e.env.AWS.AccountID,
				"aws:RequestTag/eks-cluster-arn":            cluster,
				"aws:RequestTag/kubernetes-namespace":       namespace,
				"aws:RequestTag/kubernetes-service-account": serviceAccount,
			}},
		}},
	})
}

func assumeRolePolicy(service string, actions ...string) string {
	doc := obj{
		"Version": "2012-10-17",
		"Statement": []obj{{
			"Effect":    "Allow",
			"Principal": obj{"Service": service},
			"Action":    actions,
		}},
	}
	b, err := json.Marshal(doc)
	if err != nil {
		panic(err) // a fixed document of strings always marshals
	}
	return string(b)
}
