package compiler

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io/fs"
	"slices"
	"strings"

	"github.com/kuberator/kuberator/compiler/load"
)

// inputDigest hashes what an environment's files are generated from: the
// generator's version, its embedded schema and catalogs, and the spec's
// bytes in order (never its paths, which differ by invocation). version
// is DigestVersion's: a bare "devel" or "+dirty" one may stand for
// different emitters, and gives "" (no digest, so never fresh).
func inputDigest(srcs []load.Source, version string) string {
	if version == "" || version == "devel" || strings.HasSuffix(version, "+dirty") {
		return ""
	}
	h := sha256.New()
	fmt.Fprintf(h, "kuberatorc %s\x00", version)
	for _, fsys := range load.Library {
		hashFS(h, fsys)
	}
	// In an order of their own: CUE unifies files in any order, and the
	// same spec named in another order is the same input.
	sums := make([]string, len(srcs))
	for i, s := range srcs {
		sum := sha256.Sum256(s.Data)
		sums[i] = hex.EncodeToString(sum[:])
	}
	slices.Sort(sums)
	for _, sum := range sums {
		fmt.Fprintf(h, "%s\x00", sum)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

func hashFS(h hash.Hash, fsys fs.FS) {
	names, _ := fs.Glob(fsys, "*.cue")
	for _, name := range names {
		data, _ := fs.ReadFile(fsys, name)
		fmt.Fprintf(h, "%s\x00%d\x00", name, len(data))
		h.Write(data)
	}
}
