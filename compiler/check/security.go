package check

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/kuberator/kuberator/compiler/diag"
	"github.com/kuberator/kuberator/compiler/model"
)

// baselineCapabilities are the capabilities the Pod Security Standards'
// baseline level lets a container add (kubernetes/pod-security-admission
// v0.36.2, policy/check_capabilities_baseline.go): the environment's
// namespace enforces baseline, and the API refuses a pod that adds any
// other.
var baselineCapabilities = []string{"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
	"NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"}

// checkSecurity: capabilities the namespace's Pod Security level admits,
// and a warning for each default a workload turns off.
func checkSecurity(env *model.Environment, name string, w *model.Workload, ds *diag.Diagnostics) {
	for i, c := range w.Capabilities {
		if !slices.Contains(baselineCapabilities, strings.TrimPrefix(c, "CAP_")) {
			ds.Errorf(env.Positions.Of("workloads", name, "capabilities", strconv.Itoa(i)),
				"the baseline level admits only "+strings.Join(baselineCapabilities, ", "),
				"capability %s is not one the namespace's Pod Security level (baseline) lets a pod add: the API server refuses the pod", c)
		}
	}
	s := w.Security
	if s == nil {
		return
	}
	if s.RunAsNonRoot != nil && !*s.RunAsNonRoot && !w.Stateful {
		ds.Warnf(diag.SecurityRelaxed, env.Positions.Of("workloads", name, "securityContext", "runAsNonRoot"),
			"prefer an image that runs as a numeric non-root user (USER 10001), or set securityContext.runAsUser",
			"workload %s may run as root: a process that escapes its container is root on the node's kernel", name)
	}
	if s.AllowPrivilegeEscalation != nil && *s.AllowPrivilegeEscalation {
		ds.Warnf(diag.SecurityRelaxed, env.Positions.Of("workloads", name, "securityContext", "allowPrivilegeEscalation"),
			"leave it false unless the image runs setuid programs it cannot do without",
			"workload %s lets its processes gain privileges (setuid binaries, file capabilities)", name)
	}
}

// checkReplicas: with autoscaling the autoscaler owns the replica count;
// replicas that differ from its floor would be silently ignored.
func checkReplicas(env *model.Environment, name string, w *model.Workload, ds *diag.Diagnostics) {
	if w.Autoscaling == nil || w.Replicas == w.Autoscaling.Min {
		return
	}
	if _, written := env.Positions["workloads."+name+".replicas"]; !written {
		return
	}
	ds.Errorf(env.Positions.Of("workloads", name, "replicas"),
		fmt.Sprintf("remove replicas, or make it %d: the autoscaler owns the count, and autoscaling.min is its floor", w.Autoscaling.Min),
		"workload %s sets replicas: %d and autoscaling (min %d, max %d): the autoscaler ignores replicas", name, w.Replicas, w.Autoscaling.Min, w.Autoscaling.Max)
}

// checkImages warns of a workload that runs an image whose entrypoint
// needs root (stdlib imageFacts) with neither capabilities nor a
// securityContext: every capability is dropped, so it fails at start.
func checkImages(env *model.Environment, cat *model.Catalog, ds *diag.Diagnostics) {
	for _, name := range model.SortedKeys(env.Workloads) {
		w := env.Workloads[name]
		if len(w.Capabilities) > 0 || w.Security != nil {
			continue
		}
		repo := imageRepository(w.Image)
		for _, image := range model.SortedKeys(cat.Images) {
			f := cat.Images[image]
			if !slices.Contains(f.Repositories, repo) {
				continue
			}
			ds.Warnf(diag.ImageNeedsRoot, env.Positions.Of("workloads", name, "image"),
				fmt.Sprintf("run it as non-root: %s; or add capabilities: [%s] (upstream: %s)", f.Instead, quoteAll(f.Capabilities), f.Source),
				"workload %s runs %s, which needs root to start: %s; kuberatorc drops every capability", name, image, f.Needs)
		}
	}
}

// imageRepository is an image reference without its tag or digest.
func imageRepository(image string) string {
	image, _, _ = strings.Cut(image, "@")
	if i := strings.LastIndex(image, ":"); i > strings.LastIndex(image, "/") {
		image = image[:i]
	}
	return image
}

func quoteAll(list []string) string {
	quoted := make([]string, len(list))
	for i, s := range list {
		quoted[i] = strconv.Quote(s)
	}
	return strings.Join(quoted, ", ")
}
