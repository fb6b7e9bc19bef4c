package plan

import (
	"slices"
	"strings"

	"github.com/kuberator/kuberator/compiler/model"
)

// interfaceServices maps each endpoint a spec may list to the interface
// endpoints it makes (by AWS service name suffix); s3 is a gateway endpoint.
var interfaceServices = map[string][]string{
	"sts": {"sts"}, "ssm": {"ssm"}, "secretsmanager": {"secretsmanager"}, "ecr": {"ecr.api", "ecr.dkr"},
	"logs": {"logs"}, "sqs": {"sqs"},
}

// InterfaceEndpoints are the interface endpoints the VPC gets, by AWS
// service name suffix (com.amazonaws.<region>.<suffix>), sorted.
func InterfaceEndpoints(env *model.Environment) []string {
	var out []string
	for _, e := range env.Network.Endpoints {
		out = append(out, interfaceServices[e]...)
	}
	slices.Sort(out)
	return out
}

// GatewayS3 says the VPC gets an S3 gateway endpoint: asked for, or needed
// by ECR, whose image layers come from S3.
func GatewayS3(env *model.Environment) bool {
	return slices.Contains(env.Network.Endpoints, "s3") || slices.Contains(env.Network.Endpoints, "ecr")
}

// AWSServices are the AWS services a workload's statements name (the
// prefixes of their actions), sorted; managed policies name none the
// compiler can see.
func AWSServices(w *model.Workload) []string {
	var out []string
	if w.AWS == nil {
		return nil
	}
	for _, s := range w.AWS.Statements {
		for _, a := range s.Actions {
			service, _, _ := strings.Cut(a, ":")
			if service = strings.ToLower(service); !slices.Contains(out, service) {
				out = append(out, service)
			}
		}
	}
	slices.Sort(out)
	return out
}

// EndpointCovers says a service is reached through one of the VPC's
// interface endpoints.
func EndpointCovers(env *model.Environment, service string) bool {
	return slices.Contains(env.Network.Endpoints, service) && service != "s3"
}

// PublicAWS says a workload reaches AWS's public endpoints: it has AWS
// permissions and not every service it calls has an interface endpoint.
// With awsAPI "endpoints" it never does (the checks refuse what then
// cannot work).
func PublicAWS(env *model.Environment, w *model.Workload) bool {
	if w.AWS == nil || env.Network.AWSAPI == "endpoints" {
		return false
	}
	if len(w.AWS.ManagedPolicies) > 0 {
		return true
	}
	return slices.ContainsFunc(AWSServices(w), func(s string) bool { return !EndpointCovers(env, s) })
}
