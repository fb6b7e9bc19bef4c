package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/kuberator/kuberator/compiler"
)

// preflightCommand is the binary kuberatorc preflight runs. The AWS SDK is
// linked there alone: it made every run of kuberatorc start about 6 ms
// later (kuberatorc version 14 → 8 ms), which every vet of a small spec
// paid (an eighth of its time).
const preflightCommand = "kuberatorc-preflight"

// callerVersion tells kuberatorc-preflight the version of the kuberatorc
// that runs it, which it warns of when its own differs.
const callerVersion = "KUBERATORC_VERSION"

// runPreflight runs kuberatorc-preflight with the same arguments and
// streams, from beside this executable (the two install together), else
// from PATH; its exit code is preflight's.
func runPreflight(args []string, stdout, stderr io.Writer) int {
	path, err := preflightBinary()
	if err != nil {
		fmt.Fprintf(stderr, "kuberatorc: preflight runs %s, which is neither beside kuberatorc nor on PATH: install both with `go install github.com/kuberator/kuberator/cmd/...` (or make build in a checkout)\n", preflightCommand)
		return exitError
	}
	cmd := exec.Command(path, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, stdout, stderr
	cmd.Env = append(os.Environ(), callerVersion+"="+compiler.Version())
	err = cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &exit) && exit.ExitCode() >= 0:
		return exit.ExitCode()
	default:
		fmt.Fprintf(stderr, "kuberatorc: running %s: %v\n", path, err)
		return exitError
	}
}

// preflightBinary finds kuberatorc-preflight: beside the running
// executable first, so a kuberatorc runs the preflight of its own release.
func preflightBinary() (string, error) {
	if self, err := os.Executable(); err == nil {
		if self, err = filepath.EvalSymlinks(self); err == nil {
			beside := filepath.Join(filepath.Dir(self), preflightCommand)
			if info, err := os.Stat(beside); err == nil && !info.IsDir() && info.Mode()&0o111 != 0 {
				return beside, nil
			}
		}
	}
	return exec.LookPath(preflightCommand)
}
