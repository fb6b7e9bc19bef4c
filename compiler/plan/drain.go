package plan

import "github.com/kuberator/kuberator/compiler/model"

// The chain from an ASG's decision to terminate a node to the instance
// going, each link bounded:
//
//  1. the lifecycle hook holds the instance and EventBridge puts the event
//     on the termination queue; the handler long-polls it (SQSPollSeconds);
//  2. the handler labels the node out of the load balancers, and the AWS
//     Load Balancer Controller deregisters it (LBCSyncSeconds); the ALB
//     lets requests in flight finish (DeregistrationDelaySeconds);
//  3. the handler cordons and drains the node, giving each pod its
//     termination grace, within its node drain period (Drain.NodeSeconds);
//  4. it completes the lifecycle action, and the instance goes.
//
// The hook's heartbeat timeout must hold the whole chain, or the ASG
// terminates the node mid-drain.
const (
	// SQSPollSeconds is the handler's long poll of its queue.
	SQSPollSeconds = 20
	// LBCSyncSeconds bounds how long the load balancer controller takes to
	// see the node's exclusion label and deregister it.
	LBCSyncSeconds = 10
	// DeregistrationDelaySeconds is the ALB target group's
	// deregistration_delay.timeout_seconds: shorter than AWS's default of
	// 300, which alone would outlast the default hook.
	DeregistrationDelaySeconds = 20
	// DrainMarginSeconds is left over the longest pod grace for the
	// evictions themselves.
	DrainMarginSeconds = 30
	// MinHeartbeatSeconds is the hook's timeout when the chain is shorter.
	MinHeartbeatSeconds = 300
	// DefaultGraceSeconds is Kubernetes' default termination grace.
	DefaultGraceSeconds = 30
)

// Drain is how long each part of taking a node away may last.
type Drain struct {
	// PodSeconds is the longest termination grace of any pod.
	PodSeconds int
	// NodeSeconds is the handler's node drain period.
	NodeSeconds int
	// HeartbeatSeconds is the lifecycle hook's timeout.
	HeartbeatSeconds int
}

// Chain is the worst case of the whole chain, in seconds.
func (d Drain) Chain() int {
	return SQSPollSeconds + LBCSyncSeconds + DeregistrationDelaySeconds + d.NodeSeconds
}

// DrainBudget sizes the drain to the slowest pod the cluster runs: the
// workloads' terminationGracePeriodSeconds and the add-ons' (where their
// catalog entry says where its values set it).
func (p *Plan) DrainBudget(env *model.Environment) Drain {
	grace := DefaultGraceSeconds
	for _, name := range model.SortedKeys(env.Workloads) {
		grace = max(grace, env.Workloads[name].TerminationGracePeriodSeconds)
	}
	for _, name := range model.SortedKeys(p.Addons) {
		a := p.Addons[name]
		if a.Catalog == nil {
			continue
		}
		for _, component := range model.SortedKeys(a.Catalog.Pods) {
			if path := a.Catalog.Pods[component].Grace; path != "" {
				grace = max(grace, a.intValue(env.Cluster.Version, path, DefaultGraceSeconds))
			}
		}
	}
	d := Drain{PodSeconds: grace, NodeSeconds: grace + DrainMarginSeconds}
	d.HeartbeatSeconds = max(MinHeartbeatSeconds, d.Chain())
	return d
}
