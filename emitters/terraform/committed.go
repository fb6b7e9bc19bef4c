package terraform

import (
	"encoding/json"
	"strings"
)

// NodesFile is the file of an environment's module that holds its ASGs.
const NodesFile = "nodes.tf.json"

// DesiredCapacities reads the desired capacity of each ASG from a
// committed nodes.tf.json, by ASG key; ASGs without one are left out. The
// compiler compares them with the spec, since an existing ASG keeps its
// size whatever the spec now says.
func DesiredCapacities(nodes []byte) (map[string]int, error) {
	var m struct {
		Resource struct {
			ASGs map[string]struct {
				Desired *int `json:"desired_capacity"`
			} `json:"aws_autoscaling_group"`
		} `json:"resource"`
	}
	if err := json.Unmarshal(nodes, &m); err != nil {
		return nil, err
	}
	out := map[string]int{}
	for key, asg := range m.Resource.ASGs {
		if asg.Desired != nil {
			out[key] = *asg.Desired
		}
	}
	return out, nil
}

// EKSFile is the file of an environment's module that holds its cluster.
const EKSFile = "eks.tf.json"

// ClusterVersion reads the Kubernetes version a committed eks.tf.json
// gives the cluster, "" when it gives none: what the environment's
// cluster runs once that Terraform is applied.
func ClusterVersion(eks []byte) (string, error) {
	c, err := committedCluster(eks)
	return c.Version, err
}

// ClusterInPrivateSubnets says whether a committed eks.tf.json puts the
// cluster's network interfaces in the private subnets, as releases before
// the control-plane subnets did.
func ClusterInPrivateSubnets(eks []byte) (bool, error) {
	c, err := committedCluster(eks)
	if err != nil || len(c.VPC.SubnetIDs) == 0 {
		return false, err
	}
	return strings.HasPrefix(c.VPC.SubnetIDs[0], "${aws_subnet.private_"), nil
}

type cluster struct {
	Version string `json:"version"`
	VPC     struct {
		SubnetIDs []string `json:"subnet_ids"`
	} `json:"vpc_config"`
}

func committedCluster(eks []byte) (cluster, error) {
	var m struct {
		Resource struct {
			Cluster map[string]cluster `json:"aws_eks_cluster"`
		} `json:"resource"`
	}
	if err := json.Unmarshal(eks, &m); err != nil {
		return cluster{}, err
	}
	return m.Resource.Cluster["main"], nil
}
