package terraform

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kuberator/kuberator/compiler/plan"
)

// nodes emits, for every node group in every zone, a launch template that
// boots AL2023 with the group's NodeConfig and an auto-scaling group in that
// zone's private subnet. One ASG per zone lets the cluster autoscaler grow the
// zone a pending pod (or its zonal EBS volume) needs.
func (e emitter) nodes() module {
	m := module{}
	for _, arch := range e.archs() {
		m.Variable("node_ami_id_"+arch, obj{
			"type":        "string",
			"default":     "",
			"description": fmt.Sprintf("AMI for %s nodes; empty means the EKS-optimized AL2023 AMI for Kubernetes %s from the public SSM parameter.", arch, e.env.Cluster.Version),
		})
		// Read only when no AMI is given, so a pinned AMI needs no SSM access.
		// The parameter names the cluster's version as Terraform holds it, not
		// the spec's: in an upgrade the AMI is read (and the nodes roll) only
		// once the control plane runs the new minor, so kubelets never run
		// ahead of the API server.
		m.Data("aws_ssm_parameter", "al2023_"+arch, obj{
			"count": ref(`var.node_ami_id_%s == "" ? 1 : 0`, arch),
			"name":  "/aws/service/eks/optimized-ami/" + ref("aws_eks_cluster.main.version") + "/amazon-linux-2023/" + arch + "/standard/recommended/image_id",
		})
		m.Local("ami_"+arch, ref(`var.node_ami_id_%[1]s != "" ? var.node_ami_id_%[1]s : nonsensitive(data.aws_ssm_parameter.al2023_%[1]s[0].value)`, arch))
	}
	for _, g := range e.plan.Groups {
		for _, a := range g.ASGs {
			m.Local("user_data_"+a.Key, e.userData(g, a))
			m.Resource("aws_launch_template", a.Key, e.launchTemplate(g, a))
			m.Resource("aws_autoscaling_group", a.Key, e.autoscalingGroup(g, a))
		}
	}
	return m
}

func (e emitter) archs() []string {
	var out []string
	for _, g := range e.plan.Groups {
		if !slices.Contains(out, g.Arch) {
			out = append(out, g.Arch)
		}
	}
	slices.Sort(out)
	return out
}

func (e emitter) launchTemplate(g plan.Group, a plan.ASG) obj {
	lt := obj{
		"name_prefix":            a.Name + "-",
		"image_id":               ref("local.ami_%s", g.Arch),
		"user_data":              ref("base64encode(local.user_data_%s)", a.Key),
		"update_default_version": true,
		"iam_instance_profile":   obj{"arn": ref("aws_iam_instance_profile.node.arn")},
		"vpc_security_group_ids": []string{ref("aws_eks_cluster.main.vpc_config[0].cluster_security_group_id")},
		// IMDSv2 only, hop limit 1: a container's packets to IMDS cross one
		// more hop than the node's own, so ordinary pods cannot reach it and
		// take the node role. Add-ons get their own roles through Pod
		// Identity, and the load balancer controller its VPC and region from
		// values. Host-network pods still reach IMDS.
		"metadata_options": obj{
			"http_endpoint":               "enabled",
			"http_tokens":                 "required",
			"http_put_response_hop_limit": 1,
		},
		"block_device_mappings": []obj{{
			"device_name": "/dev/xvda",
			"ebs": obj{
				"volume_size":           g.Spec.RootVolume.SizeGiB,
				"volume_type":           "gp3",
				"encrypted":             true,
				"delete_on_termination": true,
			},
		}},
		"tag_specifications": []obj{
			{"resource_type": "instance", "tags": e.instanceTags(a)},
			{"resource_type": "volume", "tags": e.instanceTags(a)},
			{"resource_type": "network-interface", "tags": e.instanceTags(a)},
		},
		"tags": e.nameTags(a.Name),
	}
	if !mixed(g) {
		lt["instance_type"] = g.Spec.InstanceTypes[0]
	}
	return lt
}

// instanceTags are set on instances and volumes at launch: provider
// default_tags do not reach what an ASG launches.
func (e emitter) instanceTags(a plan.ASG) map[string]string {
	tags := e.commonTags()
	tags["Name"] = a.Name
	return tags
}

// mixed says whether a group needs a mixed-instances policy: several types, or spot.
func mixed(g plan.Group) bool {
	return len(g.Spec.InstanceTypes) > 1 || g.Spec.Capacity == "spot"
}

func (e emitter) autoscalingGroup(g plan.Group, a plan.ASG) obj {
	lt := ref("aws_launch_template.%s.id", a.Key)
	// The template's version, not $Latest: a changed template (a new AMI,
	// new kubelet settings) then changes the group, which starts the
	// instance refresh that replaces its nodes.
	version := ref("aws_launch_template.%s.latest_version", a.Key)
	asg := obj{
		"name":                a.Name,
		"min_size":            a.Min,
		"max_size":            a.Max,
		"desired_capacity":    a.Desired,
		"vpc_zone_identifier": []string{ref("aws_subnet.private_%s.id", a.Zone.Key)},
		"health_check_type":   "EC2",
		"tag":                 e.asgTags(a),
		// desired_capacity applies when the group is created; the cluster
		// autoscaler owns the size after that.
		"lifecycle": obj{"ignore_changes": []string{"desired_capacity"}},
		"instance_refresh": obj{
			"strategy": "Rolling",
			"preferences": obj{
				// At 100% healthy with room above it, each replacement
				// launches (and joins) before the node it replaces drains.
				"min_healthy_percentage": g.Spec.InstanceRefresh.MinHealthyPercentage,
				"max_healthy_percentage": g.Spec.InstanceRefresh.MaxHealthyPercentage,
				// Nodes already on the new template stay.
				"skip_matching": true,
			},
		},
		// Nodes need their role's policies, their access entry and the CNI to join.
		"depends_on": append(nodePolicyAttachments(), "aws_eks_access_entry.node", "aws_eks_addon.vpc_cni"),
	}
	if !mixed(g) {
		asg["launch_template"] = obj{"id": lt, "version": version}
		return asg
	}
	onDemand := 100
	if g.Spec.Capacity == "spot" {
		onDemand = 0
		asg["capacity_rebalance"] = true
	}
	var overrides []obj
	for _, t := range g.Spec.InstanceTypes {
		overrides = append(overrides, obj{"instance_type": t})
	}
	asg["mixed_instances_policy"] = obj{
		"instances_distribution": obj{
			"on_demand_base_capacity":                  0,
			"on_demand_percentage_above_base_capacity": onDemand,
			"on_demand_allocation_strategy":            "prioritized",
			"spot_allocation_strategy":                 "price-capacity-optimized",
		},
		"launch_template": obj{
			"launch_template_specification": obj{"launch_template_id": lt, "version": version},
			"override":                      overrides,
		},
	}
	return asg
}

// asgTags mark the group for the cluster and for the cluster autoscaler's
// auto-discovery, and describe its nodes so the autoscaler can scale from zero.
func (e emitter) asgTags(a plan.ASG) []obj {
	cluster := e.plan.ClusterName
	tags := []obj{
		{"key": "Name", "value": a.Name, "propagate_at_launch": true},
		{"key": "kubernetes.io/cluster/" + cluster, "value": "owned", "propagate_at_launch": true},
		{"key": "k8s.io/cluster-autoscaler/enabled", "value": "true", "propagate_at_launch": false},
		// The termination handler drains only nodes whose instance has it.
		{"key": plan.TerminationManagedTag(cluster), "value": "true", "propagate_at_launch": true},
		{"key": "k8s.io/cluster-autoscaler/" + cluster, "value": "owned", "propagate_at_launch": false},
		{"key": "k8s.io/cluster-autoscaler/node-template/label/topology.kubernetes.io/zone", "value": a.Zone.Name, "propagate_at_launch": false},
	}
	// Provider default_tags do not reach an ASG; its instances get theirs
	// from the launch template.
	common := e.commonTags()
	for _, k := range sortedKeys(common) {
		tags = append(tags, obj{"key": k, "value": common[k], "propagate_at_launch": false})
	}
	for _, k := range sortedKeys(a.Labels) {
		tags = append(tags, obj{"key": "k8s.io/cluster-autoscaler/node-template/label/" + k, "value": a.Labels[k], "propagate_at_launch": false})
	}
	for _, t := range a.Taints {
		value := t.Value + ":" + t.Effect
		tags = append(tags, obj{"key": "k8s.io/cluster-autoscaler/node-template/taint/" + t.Key, "value": value, "propagate_at_launch": false})
	}
	return tags
}

// kubeletFlags are appended to nodeadm's defaults: the boot labels and taints.
func kubeletFlags(a plan.ASG) []string {
	var labels []string
	for _, k := range sortedKeys(a.Labels) {
		labels = append(labels, k+"="+a.Labels[k])
	}
	flags := []string{"--node-labels=" + strings.Join(labels, ",")}
	if len(a.Taints) > 0 {
		var taints []string
		for _, t := range a.Taints {
			taints = append(taints, t.String())
		}
		flags = append(flags, "--register-with-taints="+strings.Join(taints, ","))
	}
	return flags
}
