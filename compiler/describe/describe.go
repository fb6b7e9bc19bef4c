// Package describe is the plan a person reads before applying, as data:
// addresses per zone, ASGs per node group, pod capacity, where add-ons run,
// where alerts go, how the environment is operated. The CLI's views print it.
package describe

import (
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/kuberator/kuberator/compiler/layout"
	"github.com/kuberator/kuberator/compiler/model"
	"github.com/kuberator/kuberator/compiler/plan"
)

// Description is the plan a person reads before applying: addresses per
// zone, ASGs per node group, pod capacity, where add-ons run, where alerts go.
type Description struct {
	Environment string          `json:"environment"`
	Cluster     string          `json:"cluster"`
	Region      string          `json:"region"`
	AccountID   string          `json:"accountID"`
	Kubernetes  string          `json:"kubernetes"`
	VPC         string          `json:"vpc"`
	Zones       []ZoneInfo      `json:"zones"`
	NodeGroups  []NodeGroupInfo `json:"nodeGroups"`
	PodCapacity int             `json:"podCapacity"`
	CoreDNS     CoreDNSInfo     `json:"coreDNS"`
	Addons      []AddonInfo     `json:"addons"`
	// DisabledAddons are turned off by enabled: false (over a shared file).
	DisabledAddons []string          `json:"disabledAddons,omitempty"`
	Alerts         *AlertsInfo       `json:"alerts,omitempty"`
	GitOps         *GitOpsInfo       `json:"gitops,omitempty"`
	Tags           map[string]string `json:"tags"`
	Operations     OperationsInfo    `json:"operations"`
	Disruptions    []DisruptionInfo  `json:"disruptions"`
	// Upgrade is set when cluster.version moves from the committed tree's.
	Upgrade *UpgradeInfo `json:"upgrade,omitempty"`
	// BeforeFirstApply is what the account must hold before the first
	// apply; kuberatorc preflight checks it.
	BeforeFirstApply []PrerequisiteInfo `json:"beforeFirstApply"`
	// Workloads are each workload's kind, effective security and network
	// peers, as the generated manifests set them.
	Workloads []WorkloadInfo `json:"workloads"`
}

// WorkloadInfo is what a reviewer needs of a workload without reading its
// YAML: what runs, as whom, and who may talk to whom.
type WorkloadInfo struct {
	Name     string   `json:"name"`
	Kind     string   `json:"kind"`
	Security []string `json:"security"`
	// From and To are the peers the NetworkPolicies admit.
	From []string `json:"from"`
	To   []string `json:"to"`
}

// PrerequisiteInfo is one thing the account must hold: what, where, who
// reads it and where the spec names it.
type PrerequisiteInfo struct {
	Kind   string   `json:"kind"`
	Name   string   `json:"name"`
	Region string   `json:"region,omitempty"`
	ID     string   `json:"id,omitempty"`
	Hosts  []string `json:"hosts,omitempty"`
	For    string   `json:"for"`
	Field  string   `json:"field"`
}

// OperationsInfo is how a team runs the environment: where state lives,
// who reaches the API and how, how nodes are replaced, how long logs stay.
type OperationsInfo struct {
	// StateKeys are the backend's keys by module; empty for local state.
	StateBucket string            `json:"stateBucket,omitempty"`
	StateKeys   map[string]string `json:"stateKeys,omitempty"`
	Endpoint    string            `json:"endpoint"`
	Access      []string          `json:"access"`
	Nodes       string            `json:"nodes"`
	Logs        string            `json:"logs"`
}

type ZoneInfo struct {
	Name        string `json:"name"`
	PublicCIDR  string `json:"publicCIDR"`
	PrivateCIDR string `json:"privateCIDR"`
	// ControlPlaneCIDR holds the cluster's own interfaces.
	ControlPlaneCIDR string        `json:"controlPlaneCIDR"`
	NATGateway       bool          `json:"natGateway"`
	Allocatable      int           `json:"allocatable"`
	WorstCase        int           `json:"worstCase"`
	Headroom         float64       `json:"headroomPercent"`
	Demand           []plan.Demand `json:"demand"`
}

type NodeGroupInfo struct {
	Name          string      `json:"name"`
	Role          string      `json:"role"`
	Capacity      string      `json:"capacity"`
	InstanceTypes []string    `json:"instanceTypes"`
	Arch          string      `json:"arch"`
	MaxPods       int         `json:"maxPods"`
	PerZone       model.Sizes `json:"perZone"`
	ASGs          []string    `json:"asgs"`
	Taints        []string    `json:"taints"`
}

type CoreDNSInfo struct {
	Autoscaling bool `json:"autoscaling"`
	MinReplicas int  `json:"minReplicas,omitempty"`
	MaxReplicas int  `json:"maxReplicas,omitempty"`
}

type AddonInfo struct {
	Name   string `json:"name"`
	RunsOn string `json:"runsOn"`
}

// GitOpsInfo says how Flux takes over the cluster: the bootstrap command and
// the Flux Kustomizations it then reconciles, in dependency order.
type GitOpsInfo struct {
	Bootstrap string   `json:"bootstrap"`
	Layers    []string `json:"layers"`
	// Workloads are the Flux Kustomizations of one workload each, which
	// wait for the apps layer.
	Workloads []string `json:"workloads"`
}

type AlertsInfo struct {
	Delivery        string      `json:"delivery"`
	NewRelicAccount int         `json:"newRelicAccount,omitempty"`
	Rules           []RuleInfo  `json:"rules"`
	Destinations    []TargetRef `json:"destinations"`
}

type RuleInfo struct {
	Name      string   `json:"name"`
	Threshold string   `json:"threshold"`
	Window    string   `json:"window"`
	Severity  string   `json:"severity"`
	Notify    []string `json:"notify"`
}

type TargetRef struct {
	Name   string `json:"name"`
	Type   string `json:"type"`
	Detail string `json:"detail"`
}

// New describes a compiled environment; before, when set, is what the
// output directory holds of it.
func New(env *model.Environment, p *plan.Plan, before *Before) Description {
	d := Description{
		Environment: env.Name, Cluster: p.ClusterName, Region: env.AWS.Region, AccountID: env.AWS.AccountID,
		Kubernetes: env.Cluster.Version, VPC: env.Network.VPCCIDR, PodCapacity: p.PodCapacity, Tags: env.Tags,
		CoreDNS: CoreDNSInfo{Autoscaling: p.CoreDNSAutoscaling},
	}
	if p.CoreDNSAutoscaling {
		d.CoreDNS.MinReplicas, d.CoreDNS.MaxReplicas = env.Cluster.CoreDNS.MinReplicas, env.Cluster.CoreDNS.MaxReplicas
	}
	for _, z := range p.Zones {
		worst := z.Demanded()
		d.Zones = append(d.Zones, ZoneInfo{
			Name: z.Name, PublicCIDR: z.PublicCIDR, PrivateCIDR: z.PrivateCIDR, ControlPlaneCIDR: z.ControlPlaneCIDR,
			NATGateway: slices.Contains(p.NATZones, z.Name), Allocatable: z.Allocatable, WorstCase: worst,
			Headroom: percent(z.Allocatable-worst, z.Allocatable), Demand: z.Demand,
		})
	}
	systemTaints := []string{}
	for _, g := range p.Groups {
		info := NodeGroupInfo{Name: g.Name, Role: g.Spec.Role, Capacity: g.Spec.Capacity, InstanceTypes: g.Spec.InstanceTypes,
			Arch: g.Arch, MaxPods: g.MaxPods, PerZone: g.Spec.PerZone, Taints: []string{}}
		for _, a := range g.ASGs {
			info.ASGs = append(info.ASGs, a.Name)
		}
		for _, t := range g.Spec.Taints {
			info.Taints = append(info.Taints, t.String())
			if g.Spec.Role == "system" && !slices.Contains(systemTaints, t.String()) {
				systemTaints = append(systemTaints, t.String())
			}
		}
		d.NodeGroups = append(d.NodeGroups, info)
	}
	for _, name := range model.SortedKeys(p.Addons) {
		runsOn := "system nodes (" + plan.LabelRole + "=system)"
		if len(systemTaints) > 0 {
			runsOn += ", tolerating " + strings.Join(systemTaints, ", ")
		}
		switch a := p.Addons[name]; {
		case a.Catalog == nil:
			runsOn = "installed by flux bootstrap from kubernetes/clusters/" + env.Name
		case a.DaemonSet():
			runsOn = "every node (DaemonSet)"
		case len(a.Catalog.TolerationsOnly) > 0:
			runsOn += "; its DaemonSet on every node"
		}
		d.Addons = append(d.Addons, AddonInfo{Name: name, RunsOn: runsOn})
	}
	d.DisabledAddons = env.DisabledAddons
	d.Operations = describeOperations(env, p)
	d.Disruptions = describeDisruptions(env, p)
	d.Upgrade = describeUpgrade(env, p, before)
	d.Workloads = describeWorkloads(env, p)
	d.BeforeFirstApply = []PrerequisiteInfo{}
	for _, r := range plan.Prerequisites(env) {
		d.BeforeFirstApply = append(d.BeforeFirstApply, PrerequisiteInfo{Kind: r.Kind, Name: r.Name, Region: r.Region, ID: r.ID,
			Hosts: r.Hosts, For: r.For, Field: plan.FieldPath(r.Field)})
	}
	d.Alerts = describeAlerts(env.Alerts)
	d.GitOps = describeGitOps(env)
	return d
}

func describeGitOps(env *model.Environment) *GitOpsInfo {
	g := env.GitOps
	if g == nil {
		return nil
	}
	info := &GitOpsInfo{Bootstrap: BootstrapCommand(env)}
	for _, l := range layout.Layers {
		info.Layers = append(info.Layers, plan.LayerName(env.Name, l)+" ("+layout.RepoPath(g.Root, layout.Layer(env.Name, l))+")")
	}
	info.Workloads = []string{}
	for _, w := range model.SortedKeys(env.Workloads) {
		info.Workloads = append(info.Workloads, plan.AppName(env.Name, w))
	}
	return info
}

// BootstrapCommand is the `flux bootstrap` that points the cluster at its
// directory in the repository. Over https it authenticates with a token in
// GIT_PASSWORD; over ssh with a deploy key bootstrap creates.
func BootstrapCommand(env *model.Environment) string {
	g := env.GitOps
	cmd := fmt.Sprintf("flux bootstrap git --url=%s --branch=%s --path=%s",
		g.URL, g.Branch, path.Join(g.Root, layout.Cluster(env.Name)))
	if strings.HasPrefix(g.URL, "https://") {
		cmd = "GIT_PASSWORD=<token with push access> " + cmd
	}
	return cmd
}

func describeAlerts(a *model.Alerts) *AlertsInfo {
	if a == nil {
		return nil
	}
	out := &AlertsInfo{Delivery: a.Delivery}
	if a.ToNewRelic() && a.NewRelic != nil {
		out.NewRelicAccount = a.NewRelic.AccountID
	}
	for _, r := range a.Rules.All() {
		name := r.Name
		if r.Kind == "custom" {
			name = "custom." + name
		}
		out.Rules = append(out.Rules, ruleInfo(name, r.Rule))
	}
	for _, name := range model.SortedKeys(a.Destinations) {
		out.Destinations = append(out.Destinations, TargetRef{Name: name, Type: a.Destinations[name].Type, Detail: destinationDetail(a.Destinations[name])})
	}
	return out
}

func ruleInfo(name string, r *model.Rule) RuleInfo {
	threshold := ""
	switch {
	case r.ThresholdPercent != nil:
		threshold = "> " + strconv.FormatFloat(*r.ThresholdPercent, 'g', -1, 64) + "%"
	case r.Threshold != nil:
		threshold = "> " + strconv.FormatFloat(*r.Threshold, 'g', -1, 64)
	}
	return RuleInfo{Name: name, Threshold: threshold, Window: r.Window, Severity: r.Severity, Notify: r.Notify}
}

func destinationDetail(d *model.Destination) string {
	switch d.Type {
	case "slack":
		if d.ExistingDestination != "" {
			return d.Channel + " via existing destination " + strconv.Quote(d.ExistingDestination)
		}
		return d.Channel + " via webhook " + secretRef(d.WebhookURL)
	case "opsgenie":
		return "API key " + secretRef(d.APIKey) + " (Opsgenie support ends April 2027)"
	case "pagerduty":
		return "integration key " + secretRef(d.IntegrationKey)
	case "email":
		return strings.Join(d.Addresses, ", ")
	case "webhook":
		return "URL " + secretRef(d.URL)
	}
	return ""
}

func secretRef(r *model.SecretRef) string {
	switch {
	case r == nil:
		return "(none)"
	case r.SSMParameter != "":
		return "from SSM " + r.SSMParameter
	default:
		return "from variable " + r.Variable
	}
}

func describeOperations(env *model.Environment, p *plan.Plan) OperationsInfo {
	o := OperationsInfo{Access: []string{}}
	if b := env.Terraform.Backend; b != nil {
		o.StateBucket = b.S3.Bucket
		o.StateKeys = map[string]string{layout.Terraform(env.Name): env.StateKey("aws")}
		if env.Alerts.ToNewRelic() {
			o.StateKeys[layout.NewRelic(env.Name)] = env.StateKey("newrelic")
		}
	}
	ep := env.Cluster.Endpoint
	switch {
	case ep.Public && ep.Private:
		o.Endpoint = "public (from " + strings.Join(orAll(ep.PublicCIDRs), ", ") + ") and private: nodes use the private one"
	case ep.Public:
		o.Endpoint = "public only (from " + strings.Join(orAll(ep.PublicCIDRs), ", ") + ")"
	default:
		o.Endpoint = "private only: reach it from inside the VPC " + env.Network.VPCCIDR +
			" (a VPN or Direct Connect into it), or forward a port through any node with SSM: " +
			"aws ssm start-session --target <node instance id> --document-name AWS-StartPortForwardingSessionToRemoteHost " +
			"--parameters host=<cluster endpoint host>,portNumber=443,localPortNumber=8443, then point kubeconfig at https://localhost:8443 with tls-server-name set to the endpoint host"
	}
	if *env.Cluster.BootstrapCreatorAdmin {
		o.Access = append(o.Access, "the identity that creates the cluster: cluster admin")
	}
	for _, a := range env.Access {
		scope := "cluster-wide"
		if len(a.Namespaces) > 0 {
			scope = "in " + strings.Join(a.Namespaces, ", ")
		}
		o.Access = append(o.Access, fmt.Sprintf("%s: %s, %s", a.Principal, a.Policy, scope))
	}
	drain := p.DrainBudget(env)
	o.Nodes = "a changed launch template (a new AMI, kubelet settings) replaces each group's nodes in a rolling instance refresh, " +
		"launching each replacement before its node goes unless instanceRefresh says otherwise; " +
		fmt.Sprintf("every termination waits for aws-node-termination-handler to take the node out of the ALB and drain it (%d s at most, the longest pod grace %d s and a margin; the hook holds the node %d s). ",
			drain.NodeSeconds, drain.PodSeconds, drain.HeartbeatSeconds) +
		"perZone.desired applies when an ASG is created; after that the cluster autoscaler owns the size, and Terraform leaves it alone"
	o.Logs = fmt.Sprintf("control plane %s, %d days", plan.ClusterLogGroup(p.ClusterName), env.Cluster.LogRetentionDays)
	if fl := env.Network.FlowLogs; fl.Enabled && fl.Destination == "cloudwatch" {
		o.Logs += fmt.Sprintf("; VPC flow logs %s, %d days", plan.FlowLogGroup(p.ClusterName), fl.RetentionDays)
	} else if fl.Enabled {
		o.Logs += "; VPC flow logs to " + fl.S3BucketARN
	}
	if _, ok := p.LogShipper(); ok && env.Logs.Destination == "cloudwatch" {
		o.Logs += fmt.Sprintf("; containers %s, %d days", plan.ContainerLogGroup(p.ClusterName), env.Logs.RetentionDays)
	}
	o.Logs += "; all encrypted with the environment's logs KMS key"
	return o
}

func orAll(cidrs []string) []string {
	if len(cidrs) == 0 {
		return []string{"anywhere"}
	}
	return cidrs
}

func percent(part, whole int) float64 {
	if whole == 0 {
		return 0
	}
	return float64(int(1000*float64(part)/float64(whole))) / 10
}
