package plan

import (
	"strings"

	"github.com/kuberator/kuberator/compiler/model"
)

// Every name kuberatorc generates from the spec lives here, so the emitters
// that write a name and the checks that bound its length use one spelling.

// AWS resources.

// RoleName is the IAM role of one purpose in an environment: eks-cluster,
// eks-node, vpc-flow-logs, ebs-csi, an add-on's or a workload's name.
func RoleName(env, purpose string) string { return env + "-" + purpose }

// InstanceProfileName is the nodes' instance profile.
func InstanceProfileName(env string) string { return env + "-eks-node" }

// KMSAlias names one of an environment's KMS keys: eks (secrets) or logs.
func KMSAlias(env, purpose string) string { return "alias/" + env + "-" + purpose }

// ClusterLogGroup is where EKS writes the control plane's logs; created by
// Terraform first, or EKS would create it itself, with no retention.
func ClusterLogGroup(cluster string) string { return "/aws/eks/" + cluster + "/cluster" }

// FlowLogGroup receives the VPC's flow logs.
func FlowLogGroup(cluster string) string { return "/aws/vpc/" + cluster + "/flow-logs" }

// ContainerLogGroup is the CloudWatch Logs group fluent-bit ships an
// environment's container logs to.
func ContainerLogGroup(cluster string) string { return "/aws/eks/" + cluster + "/containers" }

// TerminationQueue is the SQS queue the AWS Node Termination Handler reads:
// EventBridge puts the ASGs' termination lifecycle actions, spot
// interruption warnings and instance state changes there.
func TerminationQueue(cluster string) string { return cluster + "-node-termination" }

// TerminationQueueURL is the queue's URL, known before it exists.
func TerminationQueueURL(region, account, cluster string) string {
	domain := "amazonaws.com"
	if strings.HasPrefix(region, "cn-") {
		domain = "amazonaws.com.cn"
	}
	return "https://sqs." + region + "." + domain + "/" + account + "/" + TerminationQueue(cluster)
}

// TerminationManagedTag is the instance tag key the termination handler
// checks before it drains a node: nodes without it are not its to drain.
// The handler reads only that the key is there, so each cluster has a key
// of its own, and clusters in one account leave each other's nodes alone.
func TerminationManagedTag(cluster string) string { return "aws-node-termination-handler/" + cluster }

// TerminationRules are the keys of the EventBridge rules that fill the
// termination queue; the Terraform emitter holds their event patterns.
var TerminationRules = []string{"asg_lifecycle", "spot_interruption", "state_change", "scheduled_change"}

// TerminationRuleName is one EventBridge rule's name.
func TerminationRuleName(cluster, key string) string {
	return cluster + "-" + strings.ReplaceAll(key, "_", "-")
}

// Kubernetes and Flux objects.

// LayerName is the Flux Kustomization that reconciles one layer.
func LayerName(env, layer string) string { return env + "-" + layer }

// AppName is the Flux Kustomization of one workload.
func AppName(env, workload string) string { return env + "-app-" + workload }

// AlertsName names the PrometheusRule and AlertmanagerConfig of an environment.
func AlertsName(env string) string { return env + "-alerts" }

// WorkloadSecret is the Secret a workload's referenced env values arrive in.
func WorkloadSecret(workload string) string { return workload + "-env" }

// AlertingSecret is the Secret an Alertmanager receiver reads a
// destination's credential from.
func AlertingSecret(dest string) string { return "alerting-" + dest }

// New Relic.

// SignalLostName names the condition that pages when the cluster stops
// reporting to New Relic.
func SignalLostName(env string) string { return env + ": cluster stopped reporting" }

// ConditionName is what New Relic shows for a rule.
func ConditionName(env, rule string) string { return env + ": " + rule }

// Kubernetes limits on the names kuberatorc derives.
const (
	// LabelValueMax is a label value's limit (apimachinery's
	// LabelValueMaxLength), and a DNS label's.
	LabelValueMax = 63
	// StatefulSetNameMax leaves room for the controller-revision-hash
	// label every pod of a StatefulSet gets, <name>-<hash>: the hash is a
	// 32-bit number in decimal, up to 10 characters
	// (pkg/controller/history.ControllerRevisionName, Kubernetes v1.36.2).
	// The API does not check it, and no pod is ever created.
	StatefulSetNameMax = LabelValueMax - 1 - 10
	// CronJobNameMax leaves room for the -<minutes> suffix of its Jobs; the
	// API refuses a longer CronJob (ValidateCronJobCreate, v1.36.2).
	CronJobNameMax = LabelValueMax - 11
)

// KubeName is a Kubernetes name or label value kuberatorc derives from the
// spec, with its limit and the spec field whose length makes it long.
type KubeName struct {
	What  string
	Name  string
	Limit int
	Field []string
}

// KubeNames lists every name and label value the Kubernetes emitter
// derives from spec names (a test keeps the two in step): the Flux
// Kustomizations, whose names kustomize-controller puts on every object
// it applies as the label kustomize.toolkit.fluxcd.io/name; each object's
// app.kubernetes.io/name; and the workload kinds' own limits.
func KubeNames(env *model.Environment) []KubeName {
	label := func(what, name string, field ...string) KubeName {
		return KubeName{what, name, LabelValueMax, field}
	}
	out := []KubeName{label("namespace", env.Name, "name")}
	for _, layer := range []string{"infra", "configs", "apps"} {
		out = append(out, label("Flux Kustomization name (a label on every object it applies)", LayerName(env.Name, layer), "name"))
	}
	for _, name := range model.SortedKeys(env.Workloads) {
		w := env.Workloads[name]
		field := []string{"workloads", name}
		out = append(out,
			label("Flux Kustomization name (a label on every object it applies)", AppName(env.Name, name), field...),
			label("label app.kubernetes.io/name", name, field...))
		if len(w.Files) > 0 {
			out = append(out, label("label app.kubernetes.io/name", name+"-files", field...))
		}
		if w.Kind == "CronJob" {
			out = append(out, KubeName{"CronJob name (its Jobs add an 11-character suffix)", name, CronJobNameMax, field})
		}
		if w.Stateful {
			out = append(out, KubeName{"StatefulSet name (its pods' controller-revision-hash label adds up to 11 characters)", name, StatefulSetNameMax, field})
		}
	}
	return out
}
