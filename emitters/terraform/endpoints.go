package terraform

import "github.com/kuberator/kuberator/compiler/plan"

// endpoints emits the VPC endpoints the spec lists: interface endpoints
// with private DNS in subnets of their own (one per zone), which a
// security group opens to the private subnets on 443 alone, and an S3
// gateway endpoint on the private route tables. With private DNS, the
// SDKs in the cluster reach them at the services' usual names.
func (e emitter) endpoints(m module) {
	services := plan.InterfaceEndpoints(e.env)
	name := e.env.Name
	if len(services) > 0 {
		m.Resource("aws_security_group", "endpoints", obj{
			"name_prefix": name + "-endpoints-",
			"description": "HTTPS from the nodes and pods of " + name + " to its VPC endpoints",
			"vpc_id":      ref("aws_vpc.main.id"),
			"tags":        e.nameTags(name + "-endpoints"),
		})
		var subnets []string
		for _, z := range e.plan.Zones {
			m.Resource("aws_subnet", "endpoints_"+z.Key, obj{
				"vpc_id":            ref("aws_vpc.main.id"),
				"cidr_block":        z.EndpointCIDR,
				"availability_zone": z.Name,
				"tags":              e.nameTags(name + "-endpoints-" + z.Name),
			})
			subnets = append(subnets, ref("aws_subnet.endpoints_%s.id", z.Key))
			// From the zone's private subnet: its nodes and, with the VPC
			// CNI, its pods.
			m.Resource("aws_vpc_security_group_ingress_rule", "endpoints_https_"+z.Key, obj{
				"security_group_id": ref("aws_security_group.endpoints.id"),
				"cidr_ipv4":         z.PrivateCIDR,
				"ip_protocol":       "tcp",
				"from_port":         443,
				"to_port":           443,
			})
		}
		for _, s := range services {
			key := plan.Key(stripDots(s))
			m.Resource("aws_vpc_endpoint", key, obj{
				"vpc_id":              ref("aws_vpc.main.id"),
				"service_name":        "com.amazonaws." + e.env.AWS.Region + "." + s,
				"vpc_endpoint_type":   "Interface",
				"private_dns_enabled": true,
				"subnet_ids":          subnets,
				"security_group_ids":  []string{ref("aws_security_group.endpoints.id")},
				"tags":                e.nameTags(name + "-" + s),
			})
		}
	}
	if plan.GatewayS3(e.env) {
		var tables []string
		for _, z := range e.plan.Zones {
			tables = append(tables, ref("aws_route_table.private_%s.id", z.Key))
		}
		m.Resource("aws_vpc_endpoint", "s3", obj{
			"vpc_id":            ref("aws_vpc.main.id"),
			"service_name":      "com.amazonaws." + e.env.AWS.Region + ".s3",
			"vpc_endpoint_type": "Gateway",
			"route_table_ids":   tables,
			"tags":              e.nameTags(name + "-s3"),
		})
	}
}

func stripDots(s string) string {
	out := []byte(s)
	for i := range out {
		if out[i] == '.' {
			out[i] = '_'
		}
	}
	return string(out)
}
