// Package views prints what the commands show a person: the description
// of an environment as text. Commands print data (JSON, YAML, diffs) as it
// is; a view is for reading.
package views

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/kuberator/kuberator/compiler/describe"
	"github.com/kuberator/kuberator/compiler/layout"
	"github.com/kuberator/kuberator/compiler/model"
	"github.com/kuberator/kuberator/compiler/plan"
)

// Description prints the plan describe gives as aligned plain text.
func Description(w io.Writer, d describe.Description) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	p := func(format string, args ...any) { fmt.Fprintf(tw, format, args...) }
	p("Environment %s: cluster %s, Kubernetes %s, %s, account %s\n\n", d.Environment, d.Cluster, d.Kubernetes, d.Region, d.AccountID)

	p("Zones (VPC %s)\n", d.VPC)
	p("  ZONE\tPUBLIC\tPRIVATE\tCONTROL PLANE\tNAT\tUSABLE IPS\tWORST CASE\tHEADROOM\tDEMAND\n")
	for _, z := range d.Zones {
		var parts []string
		for _, dm := range z.Demand {
			parts = append(parts, fmt.Sprintf("%s (%d+%d)×(%d+1)", dm.Group, dm.Nodes, dm.Surge, dm.MaxPods))
		}
		p("  %s\t%s\t%s\t%s\t%s\t%d\t%d\t%.1f%%\t%s\n", z.Name, z.PublicCIDR, z.PrivateCIDR, z.ControlPlaneCIDR, yesNo(z.NATGateway), z.Allocatable, z.WorstCase, z.Headroom, strings.Join(parts, " + "))
	}

	p("\nNode groups (one ASG per zone)\n")
	p("  GROUP\tROLE\tCAPACITY\tINSTANCE TYPES\tARCH\tMAX PODS\tMIN/DESIRED/MAX\tTAINTS\tASGS\n")
	for _, g := range d.NodeGroups {
		desired := g.PerZone.Min
		if g.PerZone.Desired != nil {
			desired = *g.PerZone.Desired
		}
		p("  %s\t%s\t%s\t%s\t%s\t%d\t%d/%d/%d\t%s\t%s\n", g.Name, g.Role, g.Capacity, strings.Join(g.InstanceTypes, ","), g.Arch, g.MaxPods,
			g.PerZone.Min, desired, g.PerZone.Max, orDash(strings.Join(g.Taints, ",")), strings.Join(g.ASGs, ", "))
	}
	p("\nPod capacity at max size: %d pods\n", d.PodCapacity)
	if d.CoreDNS.Autoscaling {
		p("CoreDNS autoscaling: on, %d to %d replicas\n", d.CoreDNS.MinReplicas, d.CoreDNS.MaxReplicas)
	} else {
		p("CoreDNS autoscaling: off\n")
	}

	if len(d.Addons) > 0 {
		p("\nAdd-ons\n  ADD-ON\tRUNS ON\n")
		for _, a := range d.Addons {
			p("  %s\t%s\n", a.Name, a.RunsOn)
		}
	}
	for _, name := range d.DisabledAddons {
		p("  %s\toff (enabled: false)\n", name)
	}
	o := d.Operations
	p("\nOperations\n")
	if o.StateBucket == "" {
		p("  state\tlocal (no terraform.backend): keep terraform.tfstate safe, or add an S3 backend\n")
	} else {
		for _, dir := range model.SortedKeys(o.StateKeys) {
			p("  state\t%s: s3://%s/%s (locked by S3 conditional writes)\n", dir, o.StateBucket, o.StateKeys[dir])
		}
	}
	p("  API endpoint\t%s\n", o.Endpoint)
	for _, a := range o.Access {
		p("  access\t%s\n", a)
	}
	p("  nodes\t%s\n", o.Nodes)
	p("  logs\t%s\n", o.Logs)
	workloads(p, d.Workloads)
	beforeFirstApply(p, d.BeforeFirstApply)
	disruptions(p, d.Disruptions)
	upgrade(p, d.Upgrade)
	if a := d.Alerts; a != nil {
		p("\nAlerts (%s)\n  RULE\tTHRESHOLD\tWINDOW\tSEVERITY\tNOTIFY\n", deliveryText(a))
		for _, r := range a.Rules {
			p("  %s\t%s\t%s\t%s\t%s\n", r.Name, orDash(r.Threshold), r.Window, r.Severity, strings.Join(r.Notify, ", "))
		}
		p("\n  DESTINATION\tTYPE\tDETAIL\n")
		for _, t := range a.Destinations {
			p("  %s\t%s\t%s\n", t.Name, t.Type, t.Detail)
		}
	}
	if g := d.GitOps; g != nil {
		p("\nGitOps\n  bootstrap: %s\n  then Flux reconciles, each after the one before: %s\n", g.Bootstrap, strings.Join(g.Layers, " → "))
		if len(g.Workloads) > 0 {
			p("  then each workload on its own, after %s: %s\n", plan.LayerName(d.Environment, layout.Apps), strings.Join(g.Workloads, ", "))
		}
	}
	return tw.Flush()
}

func deliveryText(a *describe.AlertsInfo) string {
	nr := fmt.Sprintf("New Relic account %d", a.NewRelicAccount)
	switch a.Delivery {
	case "alertmanager":
		return "Alertmanager"
	case "both":
		return nr + " and Alertmanager: each problem reaches a destination twice"
	}
	return nr
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// disruptions prints what each routine disruption leaves running.
func disruptions(p func(string, ...any), ds []describe.DisruptionInfo) {
	if len(ds) == 0 {
		return
	}
	p("\nDisruptions (pods by their requests against what the nodes left offer)\n")
	p("  SCENARIO\tNODES OUT\tKEEPS RUNNING\tWAITS FOR NEW NODES\tSPARE SYSTEM\tSPARE APP\n")
	for _, d := range ds {
		var short, waits []string
		moved := 0
		for _, s := range d.Affected {
			moved += s.Moved
			if s.Running < s.Replicas {
				short = append(short, fmt.Sprintf("%s %d/%d", s.Name, s.Running, s.Replicas))
			}
			if s.Waiting > 0 {
				waits = append(waits, fmt.Sprintf("%s ×%d", s.Name, s.Waiting))
			}
		}
		running := fmt.Sprintf("every replica (%d moved)", moved)
		if len(short) > 0 {
			running = "short: " + strings.Join(short, ", ")
		}
		p("  %s\t%d of %d\t%s\t%s\t%s\t%s\n", d.Scenario, d.NodesOut, d.Nodes, running, orDash(strings.Join(waits, ", ")),
			room(d.Spare, "system"), room(d.Spare, "app"))
	}
}

func room(spare map[string]describe.Room, role string) string {
	r, ok := spare[role]
	if !ok {
		return "-"
	}
	return r.String()
}

// upgrade prints the plan of a Kubernetes minor upgrade.
func upgrade(p func(string, ...any), u *describe.UpgradeInfo) {
	if u == nil {
		return
	}
	p("\nUpgrade (Kubernetes %s → %s)\n", u.From, u.To)
	for i, s := range u.Steps {
		p("  %d. %s\n", i+1, s)
	}
	for _, c := range u.Charts {
		p("  chart\t%s %s → %s\n", c.Name, c.From, c.To)
	}
	p("  nodes\tevery ASG rolls (%s): about %d minutes (%s)\n", strings.Join(u.Roll, ", "), u.RollMinutes, u.RollEstimate)
	p("  skew\t%s\n", u.KubeletSkew)
	for _, w := range u.Watch {
		p("  watch\t%s\n", w)
	}
}

// beforeFirstApply lists what the account must hold before the first
// apply, as kuberatorc preflight checks it.
func beforeFirstApply(p func(string, ...any), items []describe.PrerequisiteInfo) {
	if len(items) == 0 {
		return
	}
	p("\nBefore first apply (in the account; kuberatorc preflight checks them)\n")
	p("  KIND\tNAME\tSPEC FIELD\tFOR\n")
	for _, r := range items {
		name, reader := r.Name, r.For
		if r.ID != "" {
			name += " (" + r.ID + ")"
		}
		if len(r.Hosts) > 0 {
			reader += ", covering " + strings.Join(r.Hosts, ", ")
		}
		p("  %s\t%s\t%s\t%s\n", r.Kind, name, r.Field, reader)
	}
}

// workloads prints each workload's kind, effective security and network
// peers.
func workloads(p func(string, ...any), ws []describe.WorkloadInfo) {
	if len(ws) == 0 {
		return
	}
	p("\nWorkloads\n  WORKLOAD\tKIND\tSECURITY\tIN FROM\tOUT TO\n")
	for _, w := range ws {
		p("  %s\t%s\t%s\t%s\t%s\n", w.Name, w.Kind, strings.Join(w.Security, ", "), strings.Join(w.From, ", "), strings.Join(w.To, ", "))
	}
}
