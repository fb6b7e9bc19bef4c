// Command kuberatorc compiles a CUE environment spec into Terraform JSON,
// Kustomize overlays and alert definitions. It only parses flags, calls the
// compiler package and prints; see `kuberatorc help`.
package main

import (
	"fmt"
	"io"
	"os"
	"runtime"

	"github.com/kuberator/kuberator/compiler"
	"github.com/kuberator/kuberator/internal/cli"
)

// Exit codes.
const (
	exitOK          = cli.ExitOK
	exitInvalid     = cli.ExitInvalid
	exitError       = cli.ExitError
	exitDiffInvalid = cli.ExitDiffInvalid
)

const usage = `kuberatorc compiles CUE environment specs into everything each environment needs.

Usage:
  kuberatorc build SPEC...|DIR [-o DIR]   compile and write the output tree
  kuberatorc vet SPEC...|DIR              validate only; nothing is written
  kuberatorc diff SPEC...|DIR [-o DIR]    compare the output with DIR; exit 1 on drift
  kuberatorc describe SPEC...|DIR         print the plan: subnets, ASGs, capacity, add-ons, alerts
  kuberatorc render SPEC...               print an environment's final Kubernetes manifests (kustomize, in memory)
  kuberatorc compare A B                  what environment B changes against environment A, object by object
  kuberatorc preflight SPEC...|DIR        check, read-only, that the AWS account holds what the first apply needs
  kuberatorc init [DIR]                   scaffold a platform repository: envs/, pre-commit, CI
  kuberatorc schema                       print the schema specs are checked against
  kuberatorc version                      print the version

SPEC... are the files of one environment (env.cue extra.cue, or envs/common.cue
envs/qa.cue). DIR is a directory of environments: each .cue file in it is one
environment, compiled with the shared files (--shared, default common.cue). A
file beside a shared file it does not name is that directory's environment:
envs/qa.cue means envs/common.cue + envs/qa.cue.
Run 'kuberatorc COMMAND --help' for a command's flags.

Exit codes: 0 success; 1 invalid spec, drift (diff), or something missing
in AWS (preflight); 2 usage, I/O, AWS or internal error; 3 diff could not
compare because a spec is invalid.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitError
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "build":
		return runBuild(rest, stdout, stderr)
	case "vet":
		return runVet(rest, stdout, stderr)
	case "diff":
		return runDiff(rest, stdout, stderr)
	case "describe":
		return runDescribe(rest, stdout, stderr)
	case "render":
		return runRender(rest, stdout, stderr)
	case "preflight":
		return runPreflight(rest, stdout, stderr)
	case "compare":
		return runCompare(rest, stdout, stderr)
	case "init":
		return runInit(rest, stdout, stderr)
	case "schema":
		return runSchema(rest, stdout, stderr)
	case "version", "--version":
		fmt.Fprintln(stdout, "kuberatorc", compiler.Version(), runtime.Version())
		return exitOK
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "kuberatorc: unknown command %q\n\n%s", cmd, usage)
		return exitError
	}
}
