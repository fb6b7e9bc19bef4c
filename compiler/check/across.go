package check

import (
	"fmt"
	"net/netip"

	"github.com/kuberator/kuberator/compiler/diag"
	"github.com/kuberator/kuberator/compiler/layout"
	"github.com/kuberator/kuberator/compiler/model"
)

// Labeled is one environment of a repository, named as diagnostics name it.
type Labeled struct {
	Label string
	Env   *model.Environment
}

// Across finds what two environments of one repository cannot share,
// reported at the later environment's field; each finding names that
// environment in Envs.
func Across(envs []Labeled) diag.Diagnostics {
	var ds diag.Diagnostics
	for i, r := range envs {
		for _, prev := range envs[:i] {
			ds = append(ds, clash(prev, r)...)
		}
	}
	return ds
}

// clash compares one environment with an earlier one.
func clash(prev, r Labeled) diag.Diagnostics {
	a, b := prev.Env, r.Env
	var ds diag.Diagnostics
	add := func(sev diag.Severity, id string, path []string, hint, format string, args ...any) {
		ds = append(ds, diag.Diagnostic{Pos: b.Positions.Of(path...), Severity: sev, ID: id, Message: fmt.Sprintf(format, args...), Hint: hint, Envs: []string{r.Label}})
	}
	// The Flux path (gitops.root/kubernetes/clusters/<name>) and every
	// output directory follow from the name, so one check covers them.
	if a.Name == b.Name {
		add(diag.Error, "", []string{"name"}, "give every environment its own name",
			"environment %s has the name %q too: their clusters, AWS resources, Flux path %s and output directories would be the same",
			prev.Label, b.Name, layout.Cluster(b.Name))
	}
	if a.Domain == b.Domain {
		add(diag.Error, "", []string{"domain"}, "give each environment its own domain, such as qa.example.com and staging.example.com",
			"environment %s has the domain %s too: both external-dns would write the same records", prev.Label, b.Domain)
	}
	if a.AWS == b.AWS {
		va, vb := netip.MustParsePrefix(a.Network.VPCCIDR), netip.MustParsePrefix(b.Network.VPCCIDR)
		if va.Overlaps(vb) {
			add(diag.Warning, diag.VPCOverlap, []string{"network", "vpcCIDR"}, "give each environment's VPC its own range, so that they can be peered or joined by a transit gateway",
				"the VPC %s overlaps environment %s's VPC %s in the same account and region (%s, %s)", vb, prev.Label, va, b.AWS.AccountID, b.AWS.Region)
		}
	}
	return ds
}
