package compiler

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/aymanbagabas/go-udiff"

	"github.com/kuberator/kuberator/compiler/fileset"
)

// Diff compares the file set with what is under root and returns a unified
// diff that turns the committed files into the generated ones; it is empty
// when they agree. Files an earlier build generated and this one would remove
// show as deleted.
func Diff(files fileset.FileSet, root string) (string, error) {
	old, err := readManifest(root)
	if err != nil {
		return "", err
	}
	paths := files.Paths()
	for _, p := range old {
		if _, ok := files[p]; !ok {
			paths = append(paths, p)
		}
	}
	slices.Sort(paths)
	var out strings.Builder
	for _, p := range paths {
		cur, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(p)))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		from, to := "a/"+p, "b/"+p
		if cur == nil {
			from = "/dev/null"
		}
		if _, ok := files[p]; !ok {
			to = "/dev/null"
		}
		out.WriteString(udiff.Unified(from, to, string(cur), string(files[p])))
	}
	return out.String(), nil
}
