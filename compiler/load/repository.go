package load

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// DefaultShared names the files of an environments directory that every
// environment shares, rather than being an environment of their own.
var DefaultShared = []string{"common.cue"}

// Resolve turns the command line's spec arguments into environments:
//   - a directory alone is a repository: see Discover;
//   - files that include a shared one (common.cue) are one environment;
//   - files beside a shared file they do not name are each an environment of
//     that directory, compiled with its shared files (envs/qa.cue is qa);
//   - any other files are one environment (env.cue extra.cue).
func Resolve(args, shared []string) ([]EnvSpec, error) {
	if len(args) == 1 {
		if info, err := os.Stat(args[0]); err == nil && info.IsDir() {
			return Discover(args[0], shared)
		}
	}
	for _, a := range args {
		if info, err := os.Stat(a); err == nil && info.IsDir() {
			return nil, fmt.Errorf("%s is a directory: name an environments directory alone, or spec files", a)
		}
	}
	if slices.ContainsFunc(args, func(a string) bool { return slices.Contains(shared, filepath.Base(a)) }) {
		return []EnvSpec{envSpec(args, shared)}, nil
	}
	common := sharedBeside(args, shared)
	if common == nil {
		return []EnvSpec{envSpec(args, shared)}, nil
	}
	specs := make([]EnvSpec, 0, len(args))
	for _, a := range args {
		specs = append(specs, envSpec(append(slices.Clone(common), a), shared))
	}
	return specs, nil
}

// sharedBeside returns the shared files of the one directory all the files
// sit in, or nil when they are in several or it has none.
func sharedBeside(files, shared []string) []string {
	dir := filepath.Dir(files[0])
	for _, f := range files {
		if filepath.Dir(f) != dir {
			return nil
		}
	}
	var out []string
	for _, name := range shared {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// envSpec is the environment of paths, named by its last own file.
func envSpec(paths, shared []string) EnvSpec {
	own := paths[len(paths)-1]
	for _, p := range slices.Backward(paths) {
		if !slices.Contains(shared, filepath.Base(p)) {
			own = p
			break
		}
	}
	return EnvSpec{Label: strings.TrimSuffix(filepath.Base(own), ".cue"), Paths: paths, Own: own}
}

// EnvSpec is one environment's spec files: the shared ones first, then its own.
type EnvSpec struct {
	// Label names the environment in diagnostics: its own file's name
	// without .cue.
	Label string
	Paths []string
	// Own is the file the environment is named by: its last file that is
	// not a shared one.
	Own string
}

// Discover lists the environments of a directory: each .cue file in it,
// other than the shared ones, is one environment, compiled with the shared
// files. It does not descend into subdirectories.
func Discover(dir string, shared []string) ([]EnvSpec, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var common, own []string
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".cue") {
			continue
		}
		p := filepath.Join(dir, e.Name())
		if slices.Contains(shared, e.Name()) {
			common = append(common, p)
		} else {
			own = append(own, p)
		}
	}
	for _, name := range shared {
		if !slices.ContainsFunc(common, func(p string) bool { return filepath.Base(p) == name }) && !slices.Equal(shared, DefaultShared) {
			return nil, fmt.Errorf("%s has no shared file %s", dir, name)
		}
	}
	if len(own) == 0 {
		return nil, fmt.Errorf("%s holds no environment: every environment is a .cue file beside the shared ones (%s)", dir, strings.Join(shared, ", "))
	}
	specs := make([]EnvSpec, 0, len(own))
	for _, p := range own {
		specs = append(specs, envSpec(append(slices.Clone(common), p), shared))
	}
	return specs, nil
}
