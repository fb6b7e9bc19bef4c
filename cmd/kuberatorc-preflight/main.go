// Command kuberatorc-preflight checks, read-only, that an AWS account holds
// what an environment's first apply needs. Users run it as kuberatorc
// preflight, which runs this binary: it is one of its own so that the AWS
// SDK, and the time its packages take to initialise, stay out of every
// other command (vet runs on every commit).
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/kuberator/kuberator/compiler"
	"github.com/kuberator/kuberator/internal/cli"
	"github.com/kuberator/kuberator/preflight"
)

// preflightTimeout bounds the whole check: a handful of read calls per
// environment.
const preflightTimeout = 2 * time.Minute

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	// kuberatorc preflight says which kuberatorc runs it: a preflight of
	// another release may check for what that release's output does not
	// need, or miss what it does.
	if v := os.Getenv("KUBERATORC_VERSION"); v != "" && v != compiler.Version() {
		fmt.Fprintf(stderr, "kuberatorc: warning: kuberatorc %s runs kuberatorc-preflight %s; install both from one release (go install github.com/kuberator/kuberator/cmd/...@VERSION)\n", v, compiler.Version())
	}
	c := cli.NewCommon("preflight", "preflight SPEC...|DIR", stderr)
	if code, ok := c.Parse(args); !ok {
		return code
	}
	results, code := c.Compile(compiler.Options{VetOnly: true}, false, stderr)
	if results == nil {
		return code
	}
	ctx, cancel := context.WithTimeout(context.Background(), preflightTimeout)
	defer cancel()
	missing := false
	for _, r := range results {
		env := r.Env
		cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(env.AWS.Region))
		if err != nil {
			fmt.Fprintln(stderr, "kuberatorc: AWS configuration:", err)
			return cli.ExitError
		}
		findings, err := preflight.Check(ctx, preflight.NewClients(cfg), env)
		if err != nil {
			fmt.Fprintf(stderr, "kuberatorc: preflight of %s: %v\n", env.Name, err)
			return cli.ExitError
		}
		if printFindings(stdout, env.Name, env.AWS.AccountID, env.AWS.Region, findings) {
			missing = true
		}
	}
	if missing {
		return cli.ExitInvalid
	}
	return cli.ExitOK
}

// printFindings prints one environment's findings and the commands that
// create what is missing; it reports whether anything is.
func printFindings(w io.Writer, env, account, region string, findings []preflight.Finding) bool {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "Environment %s: account %s, %s\n", env, account, region)
	var create []string
	bad := 0
	for _, f := range findings {
		status, detail := "ok", f.Detail
		if f.Problem != "" {
			status, detail = "MISSING", f.Problem
			if f.Problem != "missing" && !strings.HasPrefix(f.Problem, "missing:") {
				status = "WRONG"
			}
			bad++
			create = append(create, f.Create...)
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", status, f.Kind, f.Name, detail)
	}
	tw.Flush()
	if bad == 0 {
		fmt.Fprintf(w, "all %d present\n", len(findings))
		return false
	}
	fmt.Fprintf(w, "%d of %d need attention", bad, len(findings))
	if len(create) > 0 {
		fmt.Fprint(w, "; these create or fix them (replace REPLACE_ME with the real values):\n")
		for _, c := range create {
			fmt.Fprintln(w, "  "+c)
		}
	} else {
		fmt.Fprintln(w)
	}
	return true
}
