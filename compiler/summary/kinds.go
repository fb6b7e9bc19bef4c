package summary

import (
	"fmt"
	"strings"
)

// A kind says what matters in objects of one sort. The zero kind has no
// facts: a change lists the changed fields' paths.
type kind struct {
	// label is what the summary calls a Terraform resource of this kind
	// ("ASG"); Kubernetes objects go by their own kind.
	label string
	// name is the object's name as a reviewer knows it (an ASG's "name"
	// rather than its Terraform key); "" or nil for the object's own.
	name func(body any) string
	// facts are the fields worth a line of their own, in the order printed.
	facts func(body any) []fact
	// detail is what an added object's line shows in parentheses.
	detail func(body any) string
}

// A fact is one thing a reviewer wants to see change, taken from one side.
type fact struct {
	label string
	value any // nil when the object lacks it
	// covers are the leaf path patterns the fact accounts for; changes
	// beneath them are not listed again as other changed fields.
	covers []string
	// paths makes the fact print which leaves beneath covers[0] changed
	// ("values changed (replicas, tolerations)") instead of its value.
	paths bool
	// image makes a change print just the tags when the repository is the
	// same.
	image bool
	// presence marks a part one side may lack (a container): it prints
	// "+ label (value)" or "- label" when only one side has it, and then
	// covers everything beneath it; otherwise nothing.
	presence bool
}

// field is a fact read at a path: a label and where to find it.
type field struct{ label, path string }

// fields makes facts of fields read at fixed paths.
func fields(fs ...field) func(any) []fact {
	return func(body any) []fact {
		out := make([]fact, len(fs))
		for i, f := range fs {
			out[i] = fact{label: f.label, value: get(body, f.path), covers: []string{f.path}}
		}
		return out
	}
}

// changedKeys is a fact that prints the changed leaves beneath a path.
func changedKeys(label, path string) func(any) []fact {
	return func(body any) []fact {
		return []fact{{label: label, value: get(body, path), covers: []string{path}, paths: true}}
	}
}

// all joins fact makers, in order.
func all(fns ...func(any) []fact) func(any) []fact {
	return func(body any) []fact {
		var out []fact
		for _, fn := range fns {
			out = append(out, fn(body)...)
		}
		return out
	}
}

// attr names an object by one of its attributes when that is a literal
// string, not a Terraform expression.
func attr(key string) func(any) string {
	return func(body any) string {
		s := getString(body, key)
		if strings.Contains(s, "${") {
			return ""
		}
		return s
	}
}

// joined prints the strings found at a path, separated by commas.
func joined(body any, p string) string {
	l, _ := get(body, p).([]any)
	var out []string
	for _, e := range l {
		out = append(out, format(e))
	}
	return strings.Join(out, ", ")
}

// terraformKinds are the resource types with facts of their own, by type.
var terraformKinds = map[string]*kind{
	"aws_autoscaling_group": {
		label: "ASG",
		name:  attr("name"),
		facts: fields(
			field{"min", "min_size"},
			field{"max", "max_size"},
			field{"desired", "desired_capacity"},
			field{"instance types", "mixed_instances_policy.launch_template.override[*].instance_type"},
			field{"on-demand base", "mixed_instances_policy.instances_distribution.on_demand_base_capacity"},
			field{"on-demand % above base", "mixed_instances_policy.instances_distribution.on_demand_percentage_above_base_capacity"},
		),
		detail: func(b any) string {
			d := fmt.Sprintf("min %s, max %s", format(get(b, "min_size")), format(get(b, "max_size")))
			if types := joined(b, "mixed_instances_policy.launch_template.override[*].instance_type"); types != "" {
				d += "; " + types
			}
			return d
		},
	},
	"aws_launch_template": {
		label: "Launch template",
		name: func(b any) string {
			return strings.TrimSuffix(attr("name_prefix")(b), "-")
		},
		facts: fields(
			field{"instance type", "instance_type"},
			field{"image", "image_id"},
			field{"volume size", "block_device_mappings[*].ebs.volume_size"},
			field{"user data", "user_data"},
		),
	},
	"aws_eks_cluster": {
		label: "EKS cluster",
		name:  attr("name"),
		facts: fields(
			field{"version", "version"},
			field{"public endpoint", "vpc_config.endpoint_public_access"},
			field{"private endpoint", "vpc_config.endpoint_private_access"},
			field{"public access CIDRs", "vpc_config.public_access_cidrs"},
			field{"log types", "enabled_cluster_log_types"},
		),
		detail: func(b any) string { return "Kubernetes " + getString(b, "version") },
	},
	"aws_eks_addon": {
		label: "EKS add-on",
		name:  attr("addon_name"),
		facts: all(
			fields(field{"version", "addon_version"}),
			changedKeys("configuration", "configuration_values"),
		),
	},
	"aws_vpc": {
		label:  "VPC",
		facts:  fields(field{"CIDR", "cidr_block"}),
		detail: func(b any) string { return getString(b, "cidr_block") },
	},
	"aws_subnet": {
		label:  "Subnet",
		facts:  fields(field{"CIDR", "cidr_block"}, field{"zone", "availability_zone"}),
		detail: func(b any) string { return getString(b, "cidr_block") + " in " + getString(b, "availability_zone") },
	},
	"newrelic_nrql_alert_condition": {
		label: "NRQL condition",
		facts: fields(
			field{"critical threshold", "critical.threshold"},
			field{"critical duration", "critical.threshold_duration"},
			field{"critical operator", "critical.operator"},
			field{"warning threshold", "warning.threshold"},
			field{"warning duration", "warning.threshold_duration"},
			field{"warning operator", "warning.operator"},
			field{"query", "nrql.query"},
			field{"enabled", "enabled"},
		),
		detail: func(b any) string {
			for _, level := range []string{"critical", "warning"} {
				if t := get(b, level+".threshold"); t != nil {
					return fmt.Sprintf("%s %s %s", level, getString(b, level+".operator"), format(t))
				}
			}
			return ""
		},
	},
	"newrelic_alert_policy": {
		label: "Alert policy",
		facts: fields(field{"name", "name"}, field{"incident preference", "incident_preference"}),
	},
	"newrelic_notification_destination": {
		label:  "Notification destination",
		facts:  fields(field{"type", "type"}),
		detail: func(b any) string { return getString(b, "type") },
	},
	"newrelic_notification_channel": {
		label:  "Notification channel",
		facts:  fields(field{"type", "type"}, field{"destination", "destination_id"}),
		detail: func(b any) string { return getString(b, "type") },
	},
	"newrelic_workflow": {
		label: "Workflow",
		facts: fields(field{"channels", "destination[*].channel_id"}, field{"enabled", "enabled"}),
	},
}

// blockKinds are the kinds of Terraform's other blocks with facts of their
// own, by block type; they keep their addresses as names.
var blockKinds = map[string]*kind{
	"provider": {
		facts: fields(field{"region", "region"}, field{"allowed accounts", "allowed_account_ids"}),
	},
	"terraform": {
		facts: all(fields(field{"required version", "required_version"}), providerVersions),
	},
}

// providerVersions are the version constraints of a terraform block's
// required providers: "aws provider version >= 5.100, < 7.0".
func providerVersions(body any) []fact {
	providers, _ := get(body, "required_providers").(map[string]any)
	var out []fact
	for _, name := range sortedKeys(providers) {
		p := "required_providers." + name + ".version"
		out = append(out, fact{label: name + " provider version", value: get(body, p), covers: []string{p}})
	}
	return out
}

// workload is the kind of Deployments, StatefulSets and DaemonSets.
var workload = &kind{
	facts:  all(fields(field{"replicas", "spec.replicas"}), containerFacts),
	detail: func(b any) string { return joined(b, "spec.template.spec.containers[*].image") },
}

// kubeKinds are the Kubernetes kinds with facts of their own, by kind.
var kubeKinds = map[string]*kind{
	"Deployment":  workload,
	"StatefulSet": workload,
	"DaemonSet":   workload,
	"HorizontalPodAutoscaler": {
		facts: fields(field{"min", "spec.minReplicas"}, field{"max", "spec.maxReplicas"}),
		detail: func(b any) string {
			return fmt.Sprintf("min %s, max %s", format(get(b, "spec.minReplicas")), format(get(b, "spec.maxReplicas")))
		},
	},
	"Ingress": {
		facts:  fields(field{"hosts", "spec.rules[*].host"}),
		detail: func(b any) string { return joined(b, "spec.rules[*].host") },
	},
	"HelmRelease": {
		facts: all(
			fields(field{"chart", "spec.chart.spec.chart"}, field{"chart version", "spec.chart.spec.version"}),
			changedKeys("values", "spec.values"),
		),
		detail: func(b any) string {
			return strings.TrimSpace(getString(b, "spec.chart.spec.chart") + " " + getString(b, "spec.chart.spec.version"))
		},
	},
	"HelmRepository": {
		facts:  fields(field{"url", "spec.url"}),
		detail: func(b any) string { return getString(b, "spec.url") },
	},
	// Only Flux's Kustomization gets here: kustomize's own kustomization.yaml
	// files are read by kustomizeRefs.
	"Kustomization": {
		facts:  fields(field{"path", "spec.path"}, field{"depends on", "spec.dependsOn[*].name"}),
		detail: func(b any) string { return getString(b, "spec.path") },
	},
	"PodDisruptionBudget": {
		facts: fields(field{"min available", "spec.minAvailable"}, field{"max unavailable", "spec.maxUnavailable"}),
	},
}

// containerFacts are a pod template's containers: each one's presence, image
// and resources. A container named like its object is the main one and goes
// unnamed ("image 1.4.2 → 1.4.3"); others are named ("container envoy
// image …"). The rule depends on the container alone, so that a sidecar
// coming or going does not rename the main container's facts.
func containerFacts(body any) []fact {
	object := getString(body, "metadata.name")
	var out []fact
	for _, list := range []string{"initContainers", "containers"} {
		cs, _ := get(body, "spec.template.spec."+list).([]any)
		for _, c := range cs {
			name := getString(c, "name")
			at := "spec.template.spec." + list + "[" + name + "]"
			part := "container " + name
			if list == "initContainers" {
				part = "init " + part
			}
			who := part + " "
			if part == "container "+object {
				who = ""
			}
			out = append(out,
				fact{label: part, value: get(c, "image"), covers: []string{at}, presence: true},
				fact{label: who + "image", value: get(c, "image"), covers: []string{at + ".image"}, image: true})
			res := leaves(get(c, "resources"))
			for _, p := range sortedKeys(res) {
				if p != "" {
					out = append(out, fact{label: who + p, value: res[p], covers: []string{at + ".resources." + p}})
				}
			}
		}
	}
	return out
}
