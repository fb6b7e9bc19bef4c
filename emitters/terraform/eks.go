package terraform

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/kuberator/kuberator/compiler/model"
	"github.com/kuberator/kuberator/compiler/plan"
)

// eks emits the KMS key for secrets, the cluster, the nodes' access entry and
// the EKS-managed add-ons.
func (e emitter) eks() module {
	m := module{}
	name := e.env.Name
	m.Resource("aws_kms_key", "eks", obj{
		"description":             "EKS secrets encryption for " + name,
		"enable_key_rotation":     true,
		"deletion_window_in_days": 30,
	})
	m.Resource("aws_kms_alias", "eks", obj{
		"name":          plan.KMSAlias(name, "eks"),
		"target_key_id": ref("aws_kms_key.eks.key_id"),
	})
	// The control plane's interfaces in subnets of their own (nodes and
	// pods take theirs from the private subnets). A cluster made with the
	// private subnets moves in place: EKS updates a cluster's subnets, and
	// the provider sends it as an update.
	var controlPlane []string
	for _, z := range e.plan.Zones {
		controlPlane = append(controlPlane, ref("aws_subnet.control_plane_%s.id", z.Key))
	}
	ep := e.env.Cluster.Endpoint
	vpc := obj{
		"subnet_ids":              controlPlane,
		"endpoint_private_access": ep.Private,
		"endpoint_public_access":  ep.Public,
	}
	if ep.Public && len(ep.PublicCIDRs) > 0 {
		vpc["public_access_cidrs"] = ep.PublicCIDRs
	}
	m.Resource("aws_eks_cluster", "main", obj{
		"name":                      e.plan.ClusterName,
		"version":                   e.env.Cluster.Version,
		"role_arn":                  ref("aws_iam_role.cluster.arn"),
		"enabled_cluster_log_types": e.env.Cluster.LogTypes,
		"vpc_config":                vpc,
		// Nodes join through access entries; the EKS API would default to the
		// aws-auth ConfigMap.
		"access_config": obj{
			"authentication_mode":                         "API",
			"bootstrap_cluster_creator_admin_permissions": *e.env.Cluster.BootstrapCreatorAdmin,
		},
		// The creator's admin entry is made when the cluster is created; the
		// provider would replace the whole cluster to change it afterwards.
		"lifecycle":                 obj{"ignore_changes": []string{"access_config[0].bootstrap_cluster_creator_admin_permissions"}},
		"kubernetes_network_config": obj{"service_ipv4_cidr": e.env.Cluster.ServiceCIDR},
		"encryption_config": obj{
			"provider":  obj{"key_arn": ref("aws_kms_key.eks.arn")},
			"resources": []string{"secrets"},
		},
		// The managed add-ons below replace the self-managed defaults.
		"bootstrap_self_managed_addons": false,
		"upgrade_policy":                obj{"support_type": "STANDARD"},
		// EKS would create its log group itself, never expiring, outside Terraform.
		"depends_on": []string{"aws_iam_role_policy_attachment.cluster_AmazonEKSClusterPolicy", "aws_cloudwatch_log_group.cluster"},
	})
	m.Resource("aws_eks_access_entry", "node", obj{
		"cluster_name":  ref("aws_eks_cluster.main.name"),
		"principal_arn": ref("aws_iam_role.node.arn"),
		"type":          "EC2_LINUX",
	})
	e.addons(m)
	e.access(m)
	e.logs(m)
	return m
}

// addons emits the EKS-managed add-ons. vpc-cni must exist before nodes boot;
// coredns waits for nodes, or it stays degraded with nowhere to run.
func (e emitter) addons(m module) {
	cni := map[string]string{
		"AWS_VPC_K8S_CNI_EXTERNALSNAT": strconv.FormatBool(e.plan.ExternalSNAT),
		"ENABLE_PREFIX_DELEGATION":     strconv.FormatBool(e.env.Network.CNI.PrefixDelegation),
	}
	// The CNI's network policy agent enforces the environment's
	// NetworkPolicies; without it they are accepted and ignored.
	m.Resource("aws_eks_addon", "vpc_cni", e.managedAddon(m, "vpc-cni", obj{"env": cni, "enableNetworkPolicy": "true"}))
	m.Resource("aws_eks_addon", "kube_proxy", e.managedAddon(m, "kube-proxy", nil))
	m.Resource("aws_eks_addon", "eks_pod_identity_agent", e.managedAddon(m, "eks-pod-identity-agent", nil))
	config := e.systemPlacement()
	// DNS outlives a node and a zone: at least two replicas, spread over
	// zones, with a budget. These are the add-on's defaults (EKS user
	// guide, managing-coredns), said outright so that they hold.
	config["podDisruptionBudget"] = obj{"enabled": true, "maxUnavailable": 1}
	config["topologySpreadConstraints"] = []obj{{
		"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "ScheduleAnyway",
		"labelSelector": obj{"matchLabels": obj{"k8s-app": "kube-dns"}},
	}}
	if e.plan.CoreDNSAutoscaling {
		dns := e.env.Cluster.CoreDNS
		config["autoScaling"] = obj{"enabled": true, "minReplicas": dns.MinReplicas, "maxReplicas": dns.MaxReplicas}
	} else {
		config["replicaCount"] = 2
	}
	coredns := e.managedAddon(m, "coredns", config)
	var asgs []string
	for _, g := range e.plan.Groups {
		for _, a := range g.ASGs {
			asgs = append(asgs, "aws_autoscaling_group."+a.Key)
		}
	}
	coredns["depends_on"] = asgs
	m.Resource("aws_eks_addon", "coredns", coredns)
}

// managedAddon returns an EKS add-on at the version EKS names the default for
// the cluster's Kubernetes version (aws_eks_addon_version without
// most_recent): a new cluster.version moves every add-on with it, and the
// version does not float between plans when a newer build is published.
func (e emitter) managedAddon(m module, name string, config obj) obj {
	key := strings.ReplaceAll(name, "-", "_")
	m.Data("aws_eks_addon_version", key, obj{
		"addon_name":         name,
		"kubernetes_version": ref("aws_eks_cluster.main.version"),
	})
	a := addon(name, config)
	a["addon_version"] = ref("data.aws_eks_addon_version.%s.version", key)
	return a
}

// systemPlacementFor nests the system placement under one key of an add-on's
// configuration (the EBS CSI driver configures its controller this way).
func (e emitter) systemPlacementFor(key string) obj {
	return obj{key: e.systemPlacement()}
}

// systemPlacement pins a cluster component to system nodes and tolerates
// their taints.
func (e emitter) systemPlacement() obj {
	var tolerations []obj
	seen := map[model.Taint]bool{}
	for _, g := range e.plan.Groups {
		for _, t := range g.Spec.Taints {
			if g.Spec.Role != "system" || seen[t] {
				continue
			}
			seen[t] = true
			tol := obj{"key": t.Key, "effect": t.Effect, "operator": "Exists"}
			if t.Value != "" {
				tol = obj{"key": t.Key, "value": t.Value, "effect": t.Effect, "operator": "Equal"}
			}
			tolerations = append(tolerations, tol)
		}
	}
	out := obj{"nodeSelector": obj{plan.LabelRole: "system"}}
	if len(tolerations) > 0 {
		out["tolerations"] = tolerations
	}
	return out
}

func addon(name string, config obj) obj {
	a := obj{
		"cluster_name":                ref("aws_eks_cluster.main.name"),
		"addon_name":                  name,
		"resolve_conflicts_on_create": "OVERWRITE",
		"resolve_conflicts_on_update": "OVERWRITE",
	}
	if config != nil {
		b, err := json.Marshal(config)
		if err != nil {
			panic(err) // built from strings and maps only
		}
		a["configuration_values"] = string(b)
	}
	return a
}
