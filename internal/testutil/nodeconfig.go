package testutil

import (
	"bufio"
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"net/textproto"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// NodeConfigDoc is the part of a nodeadm NodeConfig the tests read.
type NodeConfigDoc struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Spec       struct {
		Cluster struct {
			Name                 string `json:"name"`
			APIServerEndpoint    string `json:"apiServerEndpoint"`
			CertificateAuthority string `json:"certificateAuthority"`
			CIDR                 string `json:"cidr"`
		} `json:"cluster"`
		Kubelet struct {
			Config map[string]map[string]string `json:"config"`
			Flags  []string                     `json:"flags"`
		} `json:"kubelet"`
	} `json:"spec"`
}

// NodeConfig reads the NodeConfig part out of a MIME multi-part user data
// document, failing the test when there is none or it does not decode strictly.
func NodeConfig(t testing.TB, userData string) NodeConfigDoc {
	t.Helper()
	header, body, ok := strings.Cut(userData, "\n\n")
	if !ok {
		t.Fatalf("user data has no MIME header:\n%s", userData)
	}
	hdr, err := textproto.NewReader(bufio.NewReader(strings.NewReader(header + "\n\n"))).ReadMIMEHeader()
	if err != nil {
		t.Fatal(err)
	}
	mediaType, params, err := mime.ParseMediaType(hdr.Get("Content-Type"))
	if err != nil || mediaType != "multipart/mixed" {
		t.Fatalf("user data content type %q: %v", hdr.Get("Content-Type"), err)
	}
	r := multipart.NewReader(strings.NewReader(body), params["boundary"])
	for {
		part, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if part.Header.Get("Content-Type") != "application/node.eks.aws" {
			continue
		}
		data, err := io.ReadAll(part)
		if err != nil {
			t.Fatal(err)
		}
		var cfg NodeConfigDoc
		if err := yaml.UnmarshalStrict(bytes.TrimPrefix(data, []byte("---\n")), &cfg); err != nil {
			t.Fatalf("NodeConfig does not decode: %v\n%s", err, data)
		}
		if cfg.APIVersion != "node.eks.aws/v1alpha1" || cfg.Kind != "NodeConfig" {
			t.Fatalf("user data part is %s %s, want node.eks.aws/v1alpha1 NodeConfig", cfg.APIVersion, cfg.Kind)
		}
		return cfg
	}
	t.Fatalf("user data has no application/node.eks.aws part:\n%s", userData)
	return NodeConfigDoc{}
}
