package plan

import (
	"slices"
	"strconv"
	"strings"
)

// RemovedAPI is an API version the Kubernetes API server stopped serving
// in a minor, for some kinds, and what replaces it.
type RemovedAPI struct {
	APIVersion string
	Kinds      []string
	In         string
	Use        string
}

// RemovedAPIs is the removal schedule of the Deprecated API Migration Guide
// (kubernetes.io/docs/reference/using-api/deprecation-guide, "Removed APIs
// by release"), read for this table: its sections are v1.32, v1.29, v1.27,
// v1.26, v1.25, v1.22 and v1.16, and it lists no removal for v1.28, v1.30,
// v1.31 or any minor after v1.32 up to 1.39, the newest the schema
// accepts. Where a section's replacement names no version of its own, Use
// is the one the guide says to migrate to.
var RemovedAPIs = []RemovedAPI{
	{"flowcontrol.apiserver.k8s.io/v1beta3", []string{"FlowSchema", "PriorityLevelConfiguration"}, "1.32", "flowcontrol.apiserver.k8s.io/v1"},
	{"flowcontrol.apiserver.k8s.io/v1beta2", []string{"FlowSchema", "PriorityLevelConfiguration"}, "1.29", "flowcontrol.apiserver.k8s.io/v1"},
	{"storage.k8s.io/v1beta1", []string{"CSIStorageCapacity"}, "1.27", "storage.k8s.io/v1"},
	{"flowcontrol.apiserver.k8s.io/v1beta1", []string{"FlowSchema", "PriorityLevelConfiguration"}, "1.26", "flowcontrol.apiserver.k8s.io/v1"},
	{"autoscaling/v2beta2", []string{"HorizontalPodAutoscaler"}, "1.26", "autoscaling/v2"},
	{"batch/v1beta1", []string{"CronJob"}, "1.25", "batch/v1"},
	{"discovery.k8s.io/v1beta1", []string{"EndpointSlice"}, "1.25", "discovery.k8s.io/v1"},
	{"events.k8s.io/v1beta1", []string{"Event"}, "1.25", "events.k8s.io/v1"},
	{"autoscaling/v2beta1", []string{"HorizontalPodAutoscaler"}, "1.25", "autoscaling/v2"},
	{"policy/v1beta1", []string{"PodDisruptionBudget"}, "1.25", "policy/v1"},
	{"policy/v1beta1", []string{"PodSecurityPolicy"}, "1.25", "Pod Security Admission (namespace labels)"},
	{"node.k8s.io/v1beta1", []string{"RuntimeClass"}, "1.25", "node.k8s.io/v1"},
	{"admissionregistration.k8s.io/v1beta1", []string{"MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"}, "1.22", "admissionregistration.k8s.io/v1"},
	{"apiextensions.k8s.io/v1beta1", []string{"CustomResourceDefinition"}, "1.22", "apiextensions.k8s.io/v1"},
	{"apiregistration.k8s.io/v1beta1", []string{"APIService"}, "1.22", "apiregistration.k8s.io/v1"},
	{"authentication.k8s.io/v1beta1", []string{"TokenReview"}, "1.22", "authentication.k8s.io/v1"},
	{"authorization.k8s.io/v1beta1", []string{"LocalSubjectAccessReview", "SelfSubjectAccessReview", "SubjectAccessReview", "SelfSubjectRulesReview"}, "1.22", "authorization.k8s.io/v1"},
	{"certificates.k8s.io/v1beta1", []string{"CertificateSigningRequest"}, "1.22", "certificates.k8s.io/v1"},
	{"coordination.k8s.io/v1beta1", []string{"Lease"}, "1.22", "coordination.k8s.io/v1"},
	{"extensions/v1beta1", []string{"Ingress"}, "1.22", "networking.k8s.io/v1"},
	{"networking.k8s.io/v1beta1", []string{"Ingress", "IngressClass"}, "1.22", "networking.k8s.io/v1"},
	{"rbac.authorization.k8s.io/v1beta1", []string{"ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"}, "1.22", "rbac.authorization.k8s.io/v1"},
	{"scheduling.k8s.io/v1beta1", []string{"PriorityClass"}, "1.22", "scheduling.k8s.io/v1"},
	{"storage.k8s.io/v1beta1", []string{"CSIDriver", "CSINode", "StorageClass", "VolumeAttachment"}, "1.22", "storage.k8s.io/v1"},
	{"extensions/v1beta1", []string{"NetworkPolicy"}, "1.16", "networking.k8s.io/v1"},
	{"extensions/v1beta1", []string{"PodSecurityPolicy"}, "1.16", "policy/v1beta1"},
	{"extensions/v1beta1", []string{"DaemonSet", "Deployment", "ReplicaSet"}, "1.16", "apps/v1"},
	{"apps/v1beta1", []string{"Deployment", "StatefulSet"}, "1.16", "apps/v1"},
	{"apps/v1beta2", []string{"DaemonSet", "Deployment", "ReplicaSet", "StatefulSet"}, "1.16", "apps/v1"},
}

// Removed says whether a cluster of the minor no longer serves the kind at
// the API version, and what the guide says to use instead.
func Removed(apiVersion, kind, minor string) (RemovedAPI, bool) {
	for _, r := range RemovedAPIs {
		if r.APIVersion == apiVersion && slices.Contains(r.Kinds, kind) && minorNumber(minor) >= minorNumber(r.In) {
			return r, true
		}
	}
	return RemovedAPI{}, false
}

// minorNumber is the N of "1.N".
func minorNumber(version string) int {
	_, minor, _ := strings.Cut(version, ".")
	n, _ := strconv.Atoi(minor)
	return n
}
