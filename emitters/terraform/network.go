package terraform

// network emits the VPC, a public, a private and a control-plane subnet per zone, the internet
// gateway, NAT gateways (per zone or single) and the routes between them.
func (e emitter) network() module {
	m := module{}
	name := e.env.Name
	m.Resource("aws_vpc", "main", obj{
		"cidr_block":           e.env.Network.VPCCIDR,
		"enable_dns_support":   true,
		"enable_dns_hostnames": true,
		"tags":                 e.nameTags(name),
	})
	m.Resource("aws_internet_gateway", "main", obj{
		"vpc_id": ref("aws_vpc.main.id"),
		"tags":   e.nameTags(name),
	})
	m.Resource("aws_route_table", "public", obj{
		"vpc_id": ref("aws_vpc.main.id"),
		"tags":   e.nameTags(name + "-public"),
	})
	m.Resource("aws_route", "public_internet", obj{
		"route_table_id":         ref("aws_route_table.public.id"),
		"destination_cidr_block": "0.0.0.0/0",
		"gateway_id":             ref("aws_internet_gateway.main.id"),
	})
	for _, z := range e.plan.Zones {
		// Load balancers find their subnets by these role tags (the AWS Load
		// Balancer Controller's subnet discovery): public for internet-facing,
		// private for internal.
		m.Resource("aws_subnet", "public_"+z.Key, obj{
			"vpc_id":                  ref("aws_vpc.main.id"),
			"cidr_block":              z.PublicCIDR,
			"availability_zone":       z.Name,
			"map_public_ip_on_launch": false,
			"tags":                    e.nameTags(name+"-public-"+z.Name, "kubernetes.io/role/elb", "1"),
		})
		m.Resource("aws_subnet", "private_"+z.Key, obj{
			"vpc_id":            ref("aws_vpc.main.id"),
			"cidr_block":        z.PrivateCIDR,
			"availability_zone": z.Name,
			"tags":              e.nameTags(name+"-private-"+z.Name, "kubernetes.io/role/internal-elb", "1"),
		})
		// The cluster's own network interfaces, and nothing else: the
		// control plane reaches webhooks and APIServices from here, so
		// NetworkPolicies can let it in without letting pods in. No route
		// table of ours: the VPC's main one routes inside the VPC.
		m.Resource("aws_subnet", "control_plane_"+z.Key, obj{
			"vpc_id":            ref("aws_vpc.main.id"),
			"cidr_block":        z.ControlPlaneCIDR,
			"availability_zone": z.Name,
			"tags":              e.nameTags(name + "-control-plane-" + z.Name),
		})
		m.Resource("aws_route_table_association", "public_"+z.Key, obj{
			"subnet_id":      ref("aws_subnet.public_%s.id", z.Key),
			"route_table_id": ref("aws_route_table.public.id"),
		})
		m.Resource("aws_route_table", "private_"+z.Key, obj{
			"vpc_id": ref("aws_vpc.main.id"),
			"tags":   e.nameTags(name + "-private-" + z.Name),
		})
		m.Resource("aws_route", "private_"+z.Key+"_nat", obj{
			"route_table_id":         ref("aws_route_table.private_%s.id", z.Key),
			"destination_cidr_block": "0.0.0.0/0",
			"nat_gateway_id":         ref("aws_nat_gateway.%s.id", e.natFor(z.Name)),
		})
		m.Resource("aws_route_table_association", "private_"+z.Key, obj{
			"subnet_id":      ref("aws_subnet.private_%s.id", z.Key),
			"route_table_id": ref("aws_route_table.private_%s.id", z.Key),
		})
	}
	for _, z := range e.plan.Zones {
		if e.natFor(z.Name) != z.Key {
			continue
		}
		m.Resource("aws_eip", "nat_"+z.Key, obj{
			"domain": "vpc",
			"tags":   e.nameTags(name + "-nat-" + z.Name),
		})
		m.Resource("aws_nat_gateway", z.Key, obj{
			"allocation_id": ref("aws_eip.nat_%s.id", z.Key),
			"subnet_id":     ref("aws_subnet.public_%s.id", z.Key),
			"tags":          e.nameTags(name + "-" + z.Name),
			"depends_on":    []string{"aws_internet_gateway.main"},
		})
	}
	e.endpoints(m)
	e.flowLogs(m)
	return m
}

// natFor is the key of the NAT gateway that serves a zone's private subnet:
// its own, or with a single NAT gateway the first zone's.
func (e emitter) natFor(zone string) string {
	for _, z := range e.plan.Zones {
		if z.Name == zone && len(e.plan.NATZones) > 1 {
			return z.Key
		}
	}
	return e.plan.Zones[0].Key
}
