package terraform

import (
	"encoding/json"
	"strings"

	"github.com/kuberator/kuberator/compiler/plan"
)

// Operations: what a team needs to run this Terraform for real: remote
// state, access to the cluster, logs kept for a set time, encrypted.

// logs emits the KMS key every log group of the environment is encrypted
// with, the control plane's log group and the VPC flow logs.
func (e emitter) logs(m module) {
	m.Resource("aws_kms_key", "logs", obj{
		"description":             "CloudWatch Logs encryption for " + e.env.Name,
		"enable_key_rotation":     true,
		"deletion_window_in_days": 30,
		"policy":                  e.logsKeyPolicy(),
	})
	m.Resource("aws_kms_alias", "logs", obj{
		"name":          plan.KMSAlias(e.env.Name, "logs"),
		"target_key_id": ref("aws_kms_key.logs.key_id"),
	})
	m.Resource("aws_cloudwatch_log_group", "cluster", obj{
		"name":              plan.ClusterLogGroup(e.plan.ClusterName),
		"retention_in_days": e.env.Cluster.LogRetentionDays,
		"kms_key_id":        ref("aws_kms_key.logs.arn"),
		"tags":              e.nameTags(plan.ClusterLogGroup(e.plan.ClusterName)),
	})
}

// logsKeyPolicy lets the account administer the key (the default key
// policy) and CloudWatch Logs in the environment's region use it for this
// account's log groups, as "Encrypt log data in CloudWatch Logs using AWS
// KMS" in the CloudWatch Logs user guide sets out.
func (e emitter) logsKeyPolicy() string {
	partition := ref("data.aws_partition.current.partition")
	account := e.env.AWS.AccountID // the provider allows no other
	return policyJSON(obj{
		"Version": "2012-10-17",
		"Statement": []obj{{
			"Sid":       "AccountAdministers",
			"Effect":    "Allow",
			"Principal": obj{"AWS": "arn:" + partition + ":iam::" + account + ":root"},
			"Action":    "kms:*",
			"Resource":  "*",
		}, {
			"Sid":       "CloudWatchLogsEncrypts",
			"Effect":    "Allow",
			"Principal": obj{"Service": "logs." + e.env.AWS.Region + ".amazonaws.com"},
			"Action":    []string{"kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"},
			"Resource":  "*",
			"Condition": obj{"ArnLike": obj{
				"kms:EncryptionContext:aws:logs:arn": "arn:" + partition + ":logs:" + e.env.AWS.Region + ":" + account + ":log-group:*",
			}},
		}},
	})
}

// flowLogs records all of the VPC's traffic (trivy AWS-0178): to a log
// group with the spec's retention, delivered by a role only the flow logs
// service may assume, or to the spec's S3 bucket.
func (e emitter) flowLogs(m module) {
	fl := e.env.Network.FlowLogs
	if !fl.Enabled {
		return
	}
	if fl.Destination == "s3" {
		m.Resource("aws_flow_log", "vpc", obj{
			"vpc_id":               ref("aws_vpc.main.id"),
			"traffic_type":         "ALL",
			"log_destination_type": "s3",
			"log_destination":      fl.S3BucketARN,
			"tags":                 e.nameTags(e.env.Name),
		})
		return
	}
	group := plan.FlowLogGroup(e.plan.ClusterName)
	m.Resource("aws_cloudwatch_log_group", "flow_logs", obj{
		"name":              group,
		"retention_in_days": fl.RetentionDays,
		"kms_key_id":        ref("aws_kms_key.logs.arn"),
		"tags":              e.nameTags(group),
	})
	m.Resource("aws_iam_role", "flow_logs", obj{
		"name": plan.RoleName(e.env.Name, "vpc-flow-logs"),
		"assume_role_policy": policyJSON(obj{
			"Version": "2012-10-17",
			"Statement": []obj{{
				"Effect":    "Allow",
				"Principal": obj{"Service": "vpc-flow-logs.amazonaws.com"},
				"Action":    "sts:AssumeRole",
				// Only flow logs of this account may use the role (confused deputy).
				"Condition": obj{"StringEquals": obj{"aws:SourceAccount": e.env.AWS.AccountID}},
			}},
		}),
	})
	m.Resource("aws_iam_role_policy", "flow_logs", obj{
		"name": "deliver-flow-logs",
		"role": ref("aws_iam_role.flow_logs.id"),
		"policy": policyJSON(obj{
			"Version": "2012-10-17",
			"Statement": []obj{{
				"Effect":   "Allow",
				"Action":   []string{"logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogGroups", "logs:DescribeLogStreams"},
				"Resource": []string{ref("aws_cloudwatch_log_group.flow_logs.arn"), ref("aws_cloudwatch_log_group.flow_logs.arn") + ":*"},
			}},
		}),
	})
	m.Resource("aws_flow_log", "vpc", obj{
		"vpc_id":               ref("aws_vpc.main.id"),
		"traffic_type":         "ALL",
		"log_destination_type": "cloud-watch-logs",
		"log_destination":      ref("aws_cloudwatch_log_group.flow_logs.arn"),
		"iam_role_arn":         ref("aws_iam_role.flow_logs.arn"),
		"tags":                 e.nameTags(e.env.Name),
	})
}

// accessPolicies are the EKS access policies a spec's policy names
// (docs.aws.amazon.com/eks/latest/userguide/access-policy-permissions.html).
var accessPolicies = map[string]string{
	"clusterAdmin": "AmazonEKSClusterAdminPolicy",
	"admin":        "AmazonEKSAdminPolicy",
	"edit":         "AmazonEKSEditPolicy",
	"view":         "AmazonEKSViewPolicy",
}

// access gives each principal of the spec one access entry and an
// association per policy, cluster-wide or in its namespaces.
func (e emitter) access(m module) {
	keys := map[string]string{}
	for _, a := range e.env.Access {
		key, ok := keys[a.Principal]
		if !ok {
			key = "access_" + principalKey(a.Principal)
			keys[a.Principal] = key
			m.Resource("aws_eks_access_entry", key, obj{
				"cluster_name":  ref("aws_eks_cluster.main.name"),
				"principal_arn": a.Principal,
				"type":          "STANDARD",
			})
		}
		scope := obj{"type": "cluster"}
		if len(a.Namespaces) > 0 {
			scope = obj{"type": "namespace", "namespaces": a.Namespaces}
		}
		m.Resource("aws_eks_access_policy_association", key+"_"+strings.ToLower(a.Policy), obj{
			"cluster_name":  ref("aws_eks_cluster.main.name"),
			"principal_arn": ref("aws_eks_access_entry.%s.principal_arn", key),
			"policy_arn":    "arn:" + ref("data.aws_partition.current.partition") + ":eks::aws:cluster-access-policy/" + accessPolicies[a.Policy],
			"access_scope":  scope,
		})
	}
}

// principalKey names a principal's resources after its account, kind and
// name, so reordering the spec's list moves nothing.
func principalKey(arn string) string {
	parts := strings.SplitN(arn, ":", 6) // arn:partition:iam::account:role/path/name
	kindName := strings.SplitN(parts[5], "/", 2)
	name := kindName[1][strings.LastIndex(kindName[1], "/")+1:]
	return tfKey(parts[4] + "_" + kindName[0] + "_" + name)
}

// tfKey makes a Terraform block name of any string.
func tfKey(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' {
			b.WriteRune(r)
		} else {
			b.WriteRune('_')
		}
	}
	return b.String()
}

func policyJSON(v obj) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // strings and maps only
	}
	return string(b)
}
