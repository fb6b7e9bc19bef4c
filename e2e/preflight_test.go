//go:build e2e

package e2e

// kuberatorc preflight against moto: an empty account lacks everything the
// first apply needs; once it is created, preflight passes.

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/kuberator/kuberator/compiler/plan"
	"github.com/kuberator/kuberator/internal/testutil"
)

func TestPreflightAgainstMoto(t *testing.T) {
	m := startMoto(t)
	bin := buildKuberatorc(t)
	env := testutil.CompileExample(t, "qa").Env
	spec, err := os.ReadFile(testutil.ExamplePath("qa"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	specPath := filepath.Join(dir, "qa.cue")
	write := func(data []byte) {
		if err := os.WriteFile(specPath, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(spec)

	// An empty account: every prerequisite is missing, exit 1, with the
	// commands that create them.
	out, code := runPreflight(t, bin, m.endpoint, specPath)
	if code != 1 {
		t.Fatalf("preflight of an empty account: exit %d, want 1\n%s", code, out)
	}
	prereqs := plan.Prerequisites(env)
	for _, r := range prereqs {
		if !reported(out, "MISSING", r) {
			t.Errorf("preflight does not report %s %s as missing:\n%s", r.Kind, r.Name, out)
		}
	}
	for _, want := range []string{
		"aws ssm put-parameter --region eu-west-1 --name /qa/newrelic/license-key --type SecureString --value 'REPLACE_ME'",
		"aws secretsmanager create-secret --region eu-west-1 --name qa/service1/database",
		"aws s3api create-bucket --region eu-west-1 --bucket example-platform-terraform-state",
		"aws acm request-certificate --region eu-west-1 --validation-method DNS",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("preflight does not print %q:\n%s", want, out)
		}
	}

	// Create them, as the team would; the certificate and the zone get
	// IDs of the account's choosing, which the spec then names.
	certARN, zoneID := createPrerequisites(t, m.endpoint, env.AWS.Region, prereqs)
	write([]byte(strings.NewReplacer(env.Ingress.CertificateARN, certARN, env.HostedZones["qa.example.com"], zoneID).Replace(string(spec))))
	out, code = runPreflight(t, bin, m.endpoint, specPath)
	if code != 0 || !strings.Contains(out, "all 10 present") {
		t.Fatalf("preflight once everything exists: exit %d, want 0 and all 10 present\n%s", code, out)
	}
	for _, r := range plan.Prerequisites(testutil.CompileExample(t, "qa").Env) {
		if r.Kind != plan.Certificate && r.Kind != plan.HostedZone && !reported(out, "ok", r) {
			t.Errorf("preflight does not report %s %s as ok:\n%s", r.Kind, r.Name, out)
		}
	}
}

// reported says whether preflight's output has a line for the
// prerequisite with the status.
func reported(out, status string, r plan.Prerequisite) bool {
	for _, line := range strings.Split(out, "\n") {
		fields := strings.Fields(line)
		if len(fields) > 0 && fields[0] == status && strings.Contains(line, " "+r.Kind+" ") && strings.Contains(line, " "+r.Name) {
			return true
		}
	}
	return false
}

// buildKuberatorc builds the command, and the kuberatorc-preflight beside
// it that its preflight runs, from the checkout this module replaces the
// main module with.
func buildKuberatorc(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command("go", "build", "-o", dir+string(filepath.Separator),
		"github.com/kuberator/kuberator/cmd/kuberatorc", "github.com/kuberator/kuberator/cmd/kuberatorc-preflight")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build kuberatorc: %v\n%s", err, out)
	}
	return filepath.Join(dir, "kuberatorc")
}

// runPreflight runs kuberatorc preflight with the standard SDK endpoint
// override and moto's credentials, and nothing of the machine's own AWS
// configuration.
func runPreflight(t *testing.T, bin, endpoint, spec string) (string, int) {
	t.Helper()
	cmd := exec.Command(bin, "preflight", "--quiet", spec)
	cmd.Env = append(os.Environ(), "AWS_ENDPOINT_URL="+endpoint, "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_PROFILE=", "AWS_EC2_METADATA_DISABLED=true")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return stdout.String(), 0
	case errors.As(err, &exit) && exit.ExitCode() != 2:
		return stdout.String() + stderr.String(), exit.ExitCode()
	}
	t.Fatalf("kuberatorc preflight: %v\n%s%s", err, stdout.String(), stderr.String())
	return "", 0
}

// createPrerequisites makes each prerequisite in moto and returns the
// certificate's ARN and the zone's ID.
func createPrerequisites(t *testing.T, endpoint, region string, prereqs []plan.Prerequisite) (certARN, zoneID string) {
	t.Helper()
	ctx := context.Background()
	cfg := awsConfig(endpoint, region)
	for _, r := range prereqs {
		var err error
		switch r.Kind {
		case plan.StateBucket:
			c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
			_, err = c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(r.Name),
				CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(r.Region)}})
			if err == nil {
				_, err = c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(r.Name),
					VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}})
			}
			if err == nil {
				_, err = c.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: aws.String(r.Name),
					ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{Rules: []s3types.ServerSideEncryptionRule{
						{ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: s3types.ServerSideEncryptionAwsKms}}}}})
			}
		case plan.SSMParameter:
			_, err = ssm.NewFromConfig(cfg).PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(r.Name),
				Type: ssmtypes.ParameterTypeSecureString, Value: aws.String("placeholder")})
		case plan.SecretsSecret:
			_, err = secretsmanager.NewFromConfig(cfg).CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(r.Name),
				SecretString: aws.String("placeholder")})
		case plan.Certificate:
			certPEM, keyPEM := selfSigned(t, r.Hosts)
			var out *acm.ImportCertificateOutput
			out, err = acm.NewFromConfig(cfg).ImportCertificate(ctx, &acm.ImportCertificateInput{Certificate: certPEM, PrivateKey: keyPEM})
			if err == nil {
				certARN = aws.ToString(out.CertificateArn)
			}
		case plan.HostedZone:
			var out *route53.CreateHostedZoneOutput
			out, err = route53.NewFromConfig(cfg).CreateHostedZone(ctx, &route53.CreateHostedZoneInput{Name: aws.String(r.Name),
				CallerReference: aws.String("kuberatorc-e2e")})
			if err == nil {
				zoneID = strings.TrimPrefix(aws.ToString(out.HostedZone.Id), "/hostedzone/")
			}
		}
		if err != nil {
			t.Fatalf("creating %s %s in moto: %v", r.Kind, r.Name, err)
		}
	}
	return certARN, zoneID
}

// selfSigned is a certificate for the hosts, for ACM to import.
func selfSigned(t *testing.T, hosts []string) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: hosts[0]}, DNSNames: hosts,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
}
