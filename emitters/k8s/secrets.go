package k8s

import (
	"slices"

	"github.com/kuberator/kuberator/compiler/layout"
	"github.com/kuberator/kuberator/compiler/plan"
)

// SecretStore is the ClusterSecretStore that reads the environment's SSM
// parameters, as the External Secrets Operator's Pod Identity role allows.
const SecretStore = "aws-parameter-store"

// SecretsManagerStore reads the Secrets Manager secrets workloads name.
const SecretsManagerStore = "aws-secrets-manager"

// secrets writes, with the External Secrets Operator enabled, the stores and
// an ExternalSecret for every Secret the output needs: nobody creates a
// Secret by hand, and no secret value passes through the repository. The
// stores and the platform's own Secrets go into the configs layer (the
// operator, in infra, brings their CRDs). A workload's Secret goes into the
// workload's own Kustomization: each Kustomization waits for its objects to
// be Ready, so one missing parameter holds up its workload and no other.
func (e *emitter) secrets() {
	if !e.plan.Runs(plan.ExternalSecrets) {
		return
	}
	secrets := plan.ClusterSecrets(e.env)
	var namespaces []string
	for _, s := range secrets {
		if !slices.Contains(namespaces, s.Namespace) {
			namespaces = append(namespaces, s.Namespace)
		}
	}
	slices.Sort(namespaces)
	store := func(name, service string) {
		e.add(layout.Configs, fileName("ClusterSecretStore", name), obj{
			"apiVersion": "external-secrets.io/v1", "kind": "ClusterSecretStore",
			"metadata": meta(name, ""),
			"spec": obj{
				// No auth: the operator's own credentials, from EKS Pod Identity.
				"provider": obj{"aws": obj{"service": service, "region": e.env.AWS.Region}},
				// Only the namespaces kuberatorc delivers secrets into may use it.
				"conditions": []obj{{"namespaces": namespaces}},
			},
		})
	}
	store(SecretStore, "ParameterStore")
	if slices.ContainsFunc(secrets, func(s plan.ClusterSecret) bool { return s.SecretsManager }) {
		store(SecretsManagerStore, "SecretsManager")
	}
	// One ExternalSecret per Secret, with a data item per key.
	for i := 0; i < len(secrets); {
		s := secrets[i]
		var data []obj
		for ; i < len(secrets) && secrets[i].Namespace == s.Namespace && secrets[i].Name == s.Name; i++ {
			item := obj{"secretKey": secrets[i].Key, "remoteRef": obj{"key": secrets[i].Parameter}}
			if secrets[i].SecretsManager {
				// The other store, per item: one Secret may mix both.
				item["sourceRef"] = obj{"storeRef": obj{"kind": "ClusterSecretStore", "name": SecretsManagerStore}}
				if secrets[i].Property != "" {
					item["remoteRef"].(obj)["property"] = secrets[i].Property
				}
			}
			data = append(data, item)
		}
		add := func(o obj) { e.add(layout.Configs, fileName("ExternalSecret", s.Namespace+"-"+s.Name), o) }
		if s.Workload != "" {
			add = func(o obj) { e.addApp(s.Workload, o) }
		}
		add(obj{
			"apiVersion": "external-secrets.io/v1", "kind": "ExternalSecret",
			"metadata": meta(s.Name, s.Namespace),
			"spec": obj{
				"refreshInterval": "1h",
				"secretStoreRef":  obj{"kind": "ClusterSecretStore", "name": SecretStore},
				"target":          obj{"name": s.Name, "creationPolicy": "Owner"},
				"data":            data,
			},
		})
	}
}
