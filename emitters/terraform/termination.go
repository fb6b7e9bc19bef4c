package terraform

import (
	"maps"
	"slices"

	"github.com/kuberator/kuberator/compiler/plan"
)

// terminationRules are the EventBridge rules of the AWS Node Termination
// Handler's queue mode, with the event patterns of its README (v1.25.6,
// kept in stdlib/testdata/charts/aws-node-termination-handler.md). The
// rebalance-recommendation rule is left out: spot groups use capacity
// rebalance, so their ASG answers a recommendation by launching a
// replacement and terminating through the lifecycle hook, which the
// handler drains; draining on the recommendation itself is what the README
// says is then not needed.
var terminationRules = map[string]struct {
	description string
	pattern     obj
}{
	"asg_lifecycle": {"An ASG is about to terminate an instance", obj{
		"source": []string{"aws.autoscaling"}, "detail-type": []string{"EC2 Instance-terminate Lifecycle Action"}}},
	"spot_interruption": {"EC2 reclaims a spot instance in two minutes", obj{
		"source": []string{"aws.ec2"}, "detail-type": []string{"EC2 Spot Instance Interruption Warning"}}},
	"state_change": {"An instance stops or terminates", obj{
		"source": []string{"aws.ec2"}, "detail-type": []string{"EC2 Instance State-change Notification"}}},
	"scheduled_change": {"AWS schedules an instance's retirement or maintenance", obj{
		"source": []string{"aws.health"}, "detail-type": []string{"AWS Health Event"},
		"detail": obj{"service": []string{"EC2"}, "eventTypeCategory": []string{"scheduledChange"}}}},
}

// termination emits the queue the handler reads, the rules that fill it,
// and a termination lifecycle hook on every ASG, which holds the instance
// until the handler has drained its node (or 5 minutes have passed).
func (e emitter) termination() module {
	m := module{}
	if !e.plan.Runs(plan.TerminationHandler) {
		return m
	}
	queue := plan.TerminationQueue(e.plan.ClusterName)
	m.Resource("aws_sqs_queue", "node_termination", obj{
		"name":                      queue,
		"message_retention_seconds": 300,
		"sqs_managed_sse_enabled":   true,
		"tags":                      e.nameTags(queue),
	})
	m.Resource("aws_sqs_queue_policy", "node_termination", obj{
		"queue_url": ref("aws_sqs_queue.node_termination.id"),
		"policy": policyJSON(obj{
			"Version": "2012-10-17",
			"Statement": []obj{{
				"Effect":    "Allow",
				"Principal": obj{"Service": []string{"events.amazonaws.com", "sqs.amazonaws.com"}},
				"Action":    "sqs:SendMessage",
				"Resource":  ref("aws_sqs_queue.node_termination.arn"),
			}},
		}),
	})
	for _, rule := range plan.TerminationRules {
		r := terminationRules[rule]
		key := "node_termination_" + rule
		name := plan.TerminationRuleName(e.plan.ClusterName, rule)
		pattern := r.pattern
		if rule == "asg_lifecycle" {
			// Only this cluster's ASGs: the EC2 events carry no group and
			// stay account-wide, and the handler drops those of instances
			// without this cluster's tag.
			pattern = maps.Clone(pattern)
			pattern["detail"] = obj{"AutoScalingGroupName": e.asgNames()}
		}
		m.Resource("aws_cloudwatch_event_rule", key, obj{
			"name":          name,
			"description":   r.description + ": the node termination handler drains its node.",
			"event_pattern": policyJSON(pattern),
			"tags":          e.nameTags(name),
		})
		m.Resource("aws_cloudwatch_event_target", key, obj{
			"rule":      ref("aws_cloudwatch_event_rule.%s.name", key),
			"target_id": "node-termination-handler",
			"arn":       ref("aws_sqs_queue.node_termination.arn"),
		})
	}
	for _, g := range e.plan.Groups {
		for _, a := range g.ASGs {
			m.Resource("aws_autoscaling_lifecycle_hook", "drain_"+a.Key, obj{
				"name":                   "drain",
				"autoscaling_group_name": ref("aws_autoscaling_group.%s.name", a.Key),
				"lifecycle_transition":   "autoscaling:EC2_INSTANCE_TERMINATING",
				// Long enough for the whole drain chain (plan.DrainBudget).
				"heartbeat_timeout": e.plan.DrainBudget(e.env).HeartbeatSeconds,
				"default_result":    "CONTINUE",
			})
		}
	}
	return m
}

// asgNames are every ASG of the environment, by name.
func (e emitter) asgNames() []string {
	var out []string
	for _, g := range e.plan.Groups {
		for _, a := range g.ASGs {
			out = append(out, a.Name)
		}
	}
	slices.Sort(out)
	return out
}
