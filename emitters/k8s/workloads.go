package k8s

import (
	"cmp"
	"strconv"
	"strings"

	"github.com/kuberator/kuberator/compiler/layout"
	"github.com/kuberator/kuberator/compiler/model"
	"github.com/kuberator/kuberator/compiler/plan"
	"github.com/kuberator/kuberator/internal/parallel"
)

// StorageClass is the gp3 class stateful workloads claim volumes from.
const StorageClass = "gp3"

// workloads writes the environment's services into the apps layer: a
// Deployment, or a StatefulSet pinned to its zone, with a Service, an nginx
// Ingress for its host, an HPA and a PodDisruptionBudget where they apply.
func (e *emitter) workloads() {
	if hasVolumes(e.env) {
		e.add(layout.Infra, fileName("StorageClass", StorageClass), obj{
			"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
			"metadata":             meta(StorageClass, ""),
			"provisioner":          "ebs.csi.aws.com",
			"parameters":           map[string]string{"type": "gp3", "encrypted": "true"},
			"volumeBindingMode":    "WaitForFirstConsumer",
			"allowVolumeExpansion": true,
			// A deleted claim must not take the database with it.
			"reclaimPolicy": "Retain",
		})
	}
	// Each workload's objects are built on a core of their own: at
	// thousands of workloads this was a tenth of the emitter's time on one
	// core. They join the emitter in name order.
	names := model.SortedKeys(e.env.Workloads)
	built := make([][]obj, len(names))
	parallel.Each(len(names), func(i int) {
		built[i] = e.workloadObjects(names[i], e.env.Workloads[names[i]])
	})
	for i, name := range names {
		e.apps[name] = append(e.apps[name], built[i]...)
	}
}

// workloadObjects are the objects of one workload: its ServiceAccount and
// controller, and what serves it.
func (e *emitter) workloadObjects(name string, w *model.Workload) []obj {
	var objs []obj
	add := func(o obj) { objs = append(objs, o) }
	// Its own identity: Pod Identity associates the workload's IAM role
	// (if it has one) with this ServiceAccount, and with no other.
	add(obj{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": e.objectMeta(name)})
	kind := "Deployment"
	switch {
	case w.Batch():
		kind = w.Kind
	case w.Stateful:
		kind = "StatefulSet"
	}
	switch kind {
	case "Job":
		add(e.job(name, w))
	case "CronJob":
		add(e.cronJob(name, w))
	default:
		add(e.controller(name, w, kind))
	}
	if len(w.Files) > 0 {
		data := map[string]string{}
		for p, content := range w.Files {
			data[model.FileKey(p)] = content
		}
		add(obj{"apiVersion": "v1", "kind": "ConfigMap", "metadata": e.objectMeta(name + "-files"), "data": data})
	}
	if w.Batch() {
		return objs // a Job or a CronJob runs to completion and serves nothing
	}
	if w.Port != 0 { // a worker has no port, and nothing to route to it
		add(e.service(name, w))
	}
	if monitor := e.monitor(name, w); monitor != nil {
		add(monitor)
	}
	if len(w.AllHosts()) > 0 {
		add(e.ingress(name, w))
	}
	if w.Autoscaling != nil {
		add(e.hpa(name, w, kind))
	}
	if minReplicas(w) > 1 {
		add(obj{
			"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
			"metadata": e.objectMeta(name),
			"spec":     obj{"maxUnavailable": 1, "selector": obj{"matchLabels": selector(name)}},
		})
	}
	return objs
}

// usesNamespace says whether anything lives in the environment's namespace.
func (e *emitter) usesNamespace() bool {
	return len(e.env.Workloads) > 0 || e.prometheusAlerts()
}

// namespace writes the environment's namespace into the infra layer, so that
// it exists before the layers that fill it.
func (e *emitter) namespace() {
	ns := e.env.Name
	e.add(layout.Infra, fileName("Namespace", ns), obj{
		"apiVersion": "v1", "kind": "Namespace",
		"metadata": obj{"name": ns, "labels": map[string]string{
			// Baseline is enforced; restricted is reported so teams see what to fix.
			"pod-security.kubernetes.io/enforce": "baseline",
			"pod-security.kubernetes.io/warn":    "restricted",
		}},
	})
}

func hasVolumes(env *model.Environment) bool {
	for _, w := range env.Workloads {
		if w.Volume != nil {
			return true
		}
	}
	return false
}

func minReplicas(w *model.Workload) int {
	if w.Autoscaling != nil {
		return w.Autoscaling.Min
	}
	return w.Replicas
}

func selector(name string) map[string]string {
	return map[string]string{"app.kubernetes.io/name": name}
}

func (e *emitter) objectMeta(name string) obj {
	return obj{"name": name, "namespace": e.env.Name, "labels": map[string]string{
		"app.kubernetes.io/name": name, "app.kubernetes.io/part-of": e.env.Name, "app.kubernetes.io/managed-by": "kuberatorc",
	}}
}

func (e *emitter) controller(name string, w *model.Workload, kind string) obj {
	spec := obj{
		"selector": obj{"matchLabels": selector(name)},
		"template": obj{
			"metadata": obj{"labels": selector(name)},
			"spec":     e.podSpec(name, w),
		},
	}
	// With an HPA, the HPA owns the replica count; a fixed one here would make
	// every reconcile undo its scaling.
	if w.Autoscaling == nil {
		spec["replicas"] = w.Replicas
	}
	if w.Stateful {
		spec["serviceName"] = name
		spec["volumeClaimTemplates"] = e.volumeClaims(w)
	}
	return obj{"apiVersion": "apps/v1", "kind": kind, "metadata": e.objectMeta(name), "spec": spec}
}

func (e *emitter) podSpec(name string, w *model.Workload) obj {
	var pin []obj
	if w.Stateful {
		// The volume is zonal: so is the pod.
		pin = append(pin, obj{"key": "topology.kubernetes.io/zone", "operator": "In", "values": []string{w.Zone}})
	}
	if w.NodeGroup != "" {
		pin = append(pin, obj{"key": plan.LabelGroup, "operator": "In", "values": []string{w.NodeGroup}})
	}
	if c := w.NodeCapacity(); c != "" {
		pin = append(pin, obj{"key": plan.LabelLifecycle, "operator": "In", "values": []string{c}})
	}
	container := obj{
		"name":            name,
		"image":           w.Image,
		"resources":       resources(w),
		"securityContext": containerSecurity(w),
	}
	var ports []obj
	if w.Port != 0 {
		ports = append(ports, obj{"name": "app", "containerPort": w.Port})
	}
	if m := w.Metrics; m != nil && m.Port != w.Port {
		ports = append(ports, obj{"name": "metrics", "containerPort": m.Port})
	}
	if ports != nil {
		container["ports"] = ports
	}
	if len(w.Command) > 0 {
		container["command"] = w.Command
	}
	if len(w.Args) > 0 {
		container["args"] = w.Args
	}
	setProbes(container, w)
	if secs := preStop(w); secs > 0 {
		// Keep serving while the ALB and nginx stop sending new requests to
		// a stopping pod: endpoints are removed asynchronously.
		var action obj
		if minor(e.env.Cluster.Version) >= 30 {
			action = obj{"sleep": obj{"seconds": secs}}
		} else { // the sleep action is on by default only from Kubernetes 1.30
			action = obj{"exec": obj{"command": []string{"sleep", strconv.Itoa(secs)}}}
		}
		container["lifecycle"] = obj{"preStop": action}
	}
	if env := envVars(name, w); len(env) > 0 {
		container["env"] = env
	}
	if len(w.EnvFrom) > 0 {
		var from []obj
		for _, src := range w.EnvFrom {
			if src.Secret != "" {
				from = append(from, obj{"secretRef": obj{"name": src.Secret}})
			} else {
				from = append(from, obj{"configMapRef": obj{"name": src.ConfigMap}})
			}
		}
		container["envFrom"] = from
	}
	var mounts, volumes []obj
	if w.Volume != nil {
		m := obj{"name": "data", "mountPath": w.Volume.MountPath}
		if w.Volume.SubPath != "" {
			m["subPath"] = w.Volume.SubPath
		}
		mounts = append(mounts, m)
	}
	if len(w.Files) > 0 {
		// Each file alone (subPath), so the rest of its directory stays.
		for _, p := range model.SortedKeys(w.Files) {
			mounts = append(mounts, obj{"name": "files", "mountPath": p, "subPath": model.FileKey(p), "readOnly": true})
		}
		volumes = append(volumes, obj{"name": "files", "configMap": obj{"name": name + "-files"}})
	}
	podSecurity := obj{"seccompProfile": obj{"type": "RuntimeDefault"}}
	if sc := w.Security; sc != nil {
		setGiven(podSecurity, "runAsUser", sc.RunAsUser)
		setGiven(podSecurity, "fsGroup", sc.FSGroup)
		if sc.ReadOnlyRootFilesystem {
			// Most programs still need somewhere to write temporary files.
			mounts = append(mounts, obj{"name": "tmp", "mountPath": "/tmp"})
			volumes = append(volumes, obj{"name": "tmp", "emptyDir": obj{}})
		}
	}
	if mounts != nil {
		container["volumeMounts"] = mounts
	}
	spec := obj{
		"terminationGracePeriodSeconds": w.TerminationGracePeriodSeconds,
		"serviceAccountName":            name,
		// Workloads use Pod Identity for AWS and have no RBAC: a token would
		// only be something to steal.
		"automountServiceAccountToken": w.KubernetesAPI,
		"affinity":                     requireNodeRole(w.Role, pin...),
		"containers":                   []obj{container},
		"securityContext":              podSecurity,
	}
	if volumes != nil {
		spec["volumes"] = volumes
	}
	if tol := e.tolerations(w.Role); len(tol) > 0 {
		spec["tolerations"] = tol
	}
	if w.Batch() {
		spec["restartPolicy"] = "OnFailure"
	} else if !w.Stateful {
		// Across zones, and across nodes: two replicas on one node fall together.
		var spread []obj
		for _, key := range []string{"topology.kubernetes.io/zone", "kubernetes.io/hostname"} {
			spread = append(spread, obj{
				"maxSkew": 1, "topologyKey": key, "whenUnsatisfiable": "ScheduleAnyway",
				"labelSelector": obj{"matchLabels": selector(name)},
			})
		}
		spec["topologySpreadConstraints"] = spread
	}
	return spec
}

// containerSecurity: no privilege escalation and no capabilities but those
// declared, for everyone; stateless services also run as non-root. Stateful
// images (databases) commonly start as root to own their data directory and
// then drop to their user: they declare the capabilities that takes.
func containerSecurity(w *model.Workload) obj {
	sc := obj{"allowPrivilegeEscalation": false}
	caps := obj{"drop": []string{"ALL"}}
	if len(w.Capabilities) > 0 {
		caps["add"] = w.Capabilities
	}
	sc["capabilities"] = caps
	if !w.Stateful {
		sc["runAsNonRoot"] = true
	}
	if s := w.Security; s != nil {
		if s.ReadOnlyRootFilesystem {
			sc["readOnlyRootFilesystem"] = true
		}
		setGiven(sc, "runAsNonRoot", s.RunAsNonRoot)
		setGiven(sc, "allowPrivilegeEscalation", s.AllowPrivilegeEscalation)
	}
	return sc
}

// resources requests what the spec asks; the memory limit defaults to the
// request (memory is not compressible), CPU is unlimited unless asked.
func resources(w *model.Workload) obj {
	limits := map[string]string{"memory": w.Resources.Memory}
	if l := w.Resources.Limits; l != nil {
		if l.Memory != "" {
			limits["memory"] = l.Memory
		}
		if l.CPU != "" {
			limits["cpu"] = l.CPU
		}
	}
	requests := map[string]string{"cpu": w.Resources.CPU, "memory": w.Resources.Memory}
	if w.Resources.EphemeralStorage != "" {
		requests["ephemeral-storage"] = w.Resources.EphemeralStorage
	}
	return obj{"requests": requests, "limits": limits}
}

// DefaultPreStopSeconds is how long a stopping pod behind the ALB keeps
// serving, unless the spec says otherwise.
const DefaultPreStopSeconds = 10

func preStop(w *model.Workload) int {
	if w.PreStopSeconds != nil {
		return *w.PreStopSeconds
	}
	if len(w.AllHosts()) > 0 {
		return DefaultPreStopSeconds
	}
	return 0
}

func minor(version string) int {
	_, m, _ := strings.Cut(version, ".")
	n, _ := strconv.Atoi(m)
	return n
}

// setProbes sets the container's probes: each the spec names, probe for both
// readiness and liveness, and without either a TCP readiness check of the
// workload's port.
func setProbes(container obj, w *model.Workload) {
	readiness, liveness, startup := w.Probes.Readiness, w.Probes.Liveness, w.Probes.Startup
	if readiness == nil {
		readiness = w.Probe
	}
	if liveness == nil {
		liveness = w.Probe
	}
	if w.Batch() {
		return // it runs to completion: nothing to probe
	}
	if readiness == nil && w.Port == 0 {
		// A worker without a probe of its own: nothing to connect to.
	} else if readiness == nil {
		container["readinessProbe"] = obj{"tcpSocket": obj{"port": w.Port}, "periodSeconds": 10}
	} else {
		container["readinessProbe"] = probe(readiness, w.Port, 3)
	}
	if liveness != nil {
		// Slower to give up than readiness: a restart is the last resort.
		container["livenessProbe"] = probe(liveness, w.Port, 6)
	}
	if startup != nil {
		container["startupProbe"] = probe(startup, w.Port, 30)
	}
}

func probe(p *model.Probe, port, failures int) obj {
	o := obj{"periodSeconds": 10, "failureThreshold": failures}
	switch {
	case p.HTTP != nil:
		o["httpGet"] = obj{"path": p.HTTP.Path, "port": p.PortOr(port)}
	case p.Exec != nil:
		o["exec"] = obj{"command": p.Exec.Command}
	default:
		o["tcpSocket"] = obj{"port": p.PortOr(port)}
	}
	setGiven(o, "initialDelaySeconds", p.InitialDelaySeconds)
	setGiven(o, "periodSeconds", p.PeriodSeconds)
	setGiven(o, "failureThreshold", p.FailureThreshold)
	return o
}

// envVars gives literals as values and references from the workload's
// Secret, which an ExternalSecret of the configs layer makes.
func envVars(name string, w *model.Workload) []obj {
	var out []obj
	for _, k := range model.SortedKeys(w.Env) {
		if w.EnvRef(k) != nil {
			out = append(out, obj{"name": k, "valueFrom": obj{"secretKeyRef": obj{"name": plan.WorkloadSecret(name), "key": k}}})
			continue
		}
		out = append(out, obj{"name": k, "value": w.Env[k]})
	}
	return out
}

func (e *emitter) volumeClaims(w *model.Workload) []obj {
	if w.Volume == nil {
		return nil
	}
	return []obj{{
		"metadata": obj{"name": "data"},
		"spec": obj{
			"accessModes":      []string{"ReadWriteOnce"},
			"storageClassName": StorageClass,
			"resources":        obj{"requests": map[string]string{"storage": w.Volume.Size}},
		},
	}}
}

func (e *emitter) service(name string, w *model.Workload) obj {
	ports := []obj{{"name": "app", "port": w.Port, "targetPort": "app"}}
	if m := w.Metrics; m != nil && m.Port != w.Port {
		ports = append(ports, obj{"name": "metrics", "port": m.Port, "targetPort": "metrics"})
	}
	spec := obj{"selector": selector(name), "ports": ports}
	if w.Stateful {
		spec["clusterIP"] = "None" // the StatefulSet's governing service
	}
	return obj{"apiVersion": "v1", "kind": "Service", "metadata": e.objectMeta(name), "spec": spec}
}

func (e *emitter) ingress(name string, w *model.Workload) obj {
	var paths []obj
	for _, p := range w.Paths {
		paths = append(paths, obj{
			"path": p, "pathType": "Prefix",
			"backend": obj{"service": obj{"name": name, "port": obj{"number": w.Port}}},
		})
	}
	var rules []obj
	for _, h := range w.AllHosts() {
		rules = append(rules, obj{"host": h, "http": obj{"paths": paths}})
	}
	return obj{
		"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
		"metadata": e.objectMeta(name),
		"spec":     obj{"ingressClassName": "nginx", "rules": rules},
	}
}

func (e *emitter) hpa(name string, w *model.Workload, kind string) obj {
	return obj{
		"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
		"metadata": e.objectMeta(name),
		"spec": obj{
			"scaleTargetRef": obj{"apiVersion": "apps/v1", "kind": kind, "name": name},
			"minReplicas":    w.Autoscaling.Min,
			"maxReplicas":    w.Autoscaling.Max,
			"metrics": []obj{{"type": "Resource", "resource": obj{
				"name": "cpu", "target": obj{"type": "Utilization", "averageUtilization": w.Autoscaling.CPUUtilization},
			}}},
		},
	}
}

// ForceAnnotation makes kustomize-controller delete and recreate an object
// whose change touches an immutable field (fluxcd/pkg ssa: ApplyOptions.
// ForceSelector, at kustomize-controller v1.9): a Job's pod template is
// immutable, so a changed Job runs again as a new one.
const ForceAnnotation = "kustomize.toolkit.fluxcd.io/force"

// job is a Job that runs once; changed, Flux recreates it, and it runs
// again.
func (e *emitter) job(name string, w *model.Workload) obj {
	meta := e.objectMeta(name)
	meta["annotations"] = map[string]string{ForceAnnotation: "enabled"}
	return obj{"apiVersion": "batch/v1", "kind": "Job", "metadata": meta, "spec": e.jobSpec(name, w)}
}

func (e *emitter) jobSpec(name string, w *model.Workload) obj {
	spec := obj{"template": obj{"metadata": obj{"labels": selector(name)}, "spec": e.podSpec(name, w)}}
	setGiven(spec, "backoffLimit", w.BackoffLimit)
	setGiven(spec, "activeDeadlineSeconds", w.ActiveDeadlineSeconds)
	setGiven(spec, "ttlSecondsAfterFinished", w.TTLSecondsAfterFinished)
	return spec
}

// cronJob runs the workload on its schedule; by default a run does not
// start while the last one runs (concurrencyPolicy Forbid).
func (e *emitter) cronJob(name string, w *model.Workload) obj {
	spec := obj{
		"schedule":          w.Schedule,
		"concurrencyPolicy": cmp.Or(w.ConcurrencyPolicy, "Forbid"),
		"jobTemplate":       obj{"metadata": obj{"labels": selector(name)}, "spec": e.jobSpec(name, w)},
	}
	setGiven(spec, "timeZone", w.TimeZone)
	setGiven(spec, "startingDeadlineSeconds", w.StartingDeadlineSeconds)
	setGiven(spec, "successfulJobsHistoryLimit", w.SuccessfulJobsHistoryLimit)
	setGiven(spec, "failedJobsHistoryLimit", w.FailedJobsHistoryLimit)
	return obj{"apiVersion": "batch/v1", "kind": "CronJob", "metadata": e.objectMeta(name), "spec": spec}
}

// monitor is how kube-prometheus-stack's Prometheus finds a workload's
// metrics: a ServiceMonitor on its Service, or a PodMonitor on the pods of
// a worker, which has no Service. The chart's Prometheus selects every
// monitor of every namespace (serviceMonitorSelectorNilUsesHelmValues:
// false in the catalog).
func (e *emitter) monitor(name string, w *model.Workload) obj {
	m := w.Metrics
	if m == nil || !e.plan.Runs(plan.KubePrometheusStack) {
		return nil
	}
	endpoint := obj{"port": "metrics", "path": m.Path}
	if m.Port == w.Port {
		endpoint["port"] = "app"
	}
	if m.Interval != "" {
		endpoint["interval"] = m.Interval
	}
	spec := obj{"selector": obj{"matchLabels": selector(name)}, "namespaceSelector": obj{"matchNames": []string{e.env.Name}}}
	kind := "ServiceMonitor"
	if w.Port != 0 {
		spec["endpoints"] = []obj{endpoint}
	} else {
		kind = "PodMonitor"
		spec["podMetricsEndpoints"] = []obj{endpoint}
	}
	return obj{"apiVersion": "monitoring.coreos.com/v1", "kind": kind, "metadata": e.objectMeta(name), "spec": spec}
}

// setGiven sets o[key] to what v points at, when the spec gave it: an
// optional field left out keeps Kubernetes' own default.
func setGiven[T any](o obj, key string, v *T) {
	if v != nil {
		o[key] = *v
	}
}
