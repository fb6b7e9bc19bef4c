package terraform

import (
	"maps"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/kuberator/kuberator/compiler/plan"
)

// Placeholders for values only Terraform knows, swapped for interpolations
// once the NodeConfig is YAML (which would quote the marks otherwise). The
// rest of the text is escaped where every Terraform string is (tfjson).
const (
	endpointPlaceholder = "KUBERATORC_API_SERVER_ENDPOINT"
	caPlaceholder       = "KUBERATORC_CERTIFICATE_AUTHORITY"
	mimeBoundary        = "//KUBERATORC//"
)

// userData is the MIME multi-part document nodeadm reads on boot: one
// NodeConfig that joins the cluster and protects the kubelet.
func (e emitter) userData(g plan.Group, a plan.ASG) string {
	kubelet := obj{
		"kubeReserved":   e.env.Kubelet.KubeReserved,
		"systemReserved": e.env.Kubelet.SystemReserved,
		"evictionHard":   e.env.Kubelet.EvictionHard,
	}
	if g.KubeletMaxPods > 0 {
		kubelet["maxPods"] = g.KubeletMaxPods
	}
	nodeConfig := obj{
		"apiVersion": "node.eks.aws/v1alpha1",
		"kind":       "NodeConfig",
		"spec": obj{
			"cluster": obj{
				"name":                 e.plan.ClusterName,
				"apiServerEndpoint":    endpointPlaceholder,
				"certificateAuthority": caPlaceholder,
				"cidr":                 e.env.Cluster.ServiceCIDR,
			},
			"kubelet": obj{
				"config": kubelet,
				"flags":  kubeletFlags(a),
			},
		},
	}
	doc, err := yaml.Marshal(nodeConfig)
	if err != nil {
		panic(err) // strings, lists and maps always marshal
	}
	text := "MIME-Version: 1.0\n" +
		"Content-Type: multipart/mixed; boundary=\"" + mimeBoundary + "\"\n\n" +
		"--" + mimeBoundary + "\n" +
		"Content-Type: application/node.eks.aws\n\n" +
		"---\n" + string(doc) + "\n" +
		"--" + mimeBoundary + "--\n"
	return strings.NewReplacer(
		endpointPlaceholder, ref("aws_eks_cluster.main.endpoint"),
		caPlaceholder, ref("aws_eks_cluster.main.certificate_authority[0].data"),
	).Replace(text)
}

func sortedKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }
