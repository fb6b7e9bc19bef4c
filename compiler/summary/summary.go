// Package summary says what changed between two file sets in a reviewer's
// terms, for kuberatorc diff --summary: per deliverable (Terraform AWS,
// Kubernetes, New Relic), one line per object added, removed or changed,
// naming the fields that matter rather than showing JSON or YAML lines.
//
// The two sets may be two builds of one environment or two environments
// (qa against staging). Objects are matched by an identity that ignores the
// environment's name: Terraform blocks by address, Kubernetes objects by
// kind, namespace and name, other files by path, each with the environment's
// name replaced by a placeholder. Values are compared the same way, so that
// "qa-app-eu-west-1a" against "staging-app-eu-west-1a" is no change; lines
// print each side's real names.
package summary

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/kuberator/kuberator/compiler/fileset"
)

// A group is a deliverable: the summary has one heading per group.
type group int

const (
	groupTerraform group = iota
	groupKubernetes
	groupNewRelic
	groupOther
	numGroups
)

var groupTitles = [numGroups]string{"Terraform AWS", "Kubernetes", "New Relic", "Other files"}

// Summarize compares two file sets (old, new) and returns the summary, one
// change per line, grouped under headings per deliverable, stable order.
// Empty string when nothing meaningful changed.
//
// Each set must hold at most one environment's files (it errors otherwise),
// and its YAML and Terraform JSON must parse.
func Summarize(old, new fileset.FileSet) (string, error) {
	oldEnv, err := envOf(old)
	if err != nil {
		return "", fmt.Errorf("summary: old files: %w", err)
	}
	newEnv, err := envOf(new)
	if err != nil {
		return "", fmt.Errorf("summary: new files: %w", err)
	}
	// Only two different environments need their names neutralised; within
	// one environment the placeholder would change nothing but could make a
	// short name like "app" match where it should not.
	var oldNorm, newNorm normalizer
	if oldEnv != newEnv {
		oldNorm, newNorm = newNormalizer(oldEnv), newNormalizer(newEnv)
	}
	oldObjs, err := load(old, oldNorm)
	if err != nil {
		return "", fmt.Errorf("summary: old files: %w", err)
	}
	newObjs, err := load(new, newNorm)
	if err != nil {
		return "", fmt.Errorf("summary: new files: %w", err)
	}
	return render(compare(oldObjs, newObjs)), nil
}

// A line is one change, before it is printed under its group's heading.
type line struct {
	group  group
	mark   string // "+", "-" or "~"
	object string // "ASG qa-app-eu-west-1a", as printed
	text   string // the whole line after the mark
}

// compare matches the two sides' objects by identity and describes each
// addition, removal and change.
func compare(old, new map[string]*object) []line {
	var lines []line
	for id, o := range old {
		if _, ok := new[id]; !ok {
			name := o.display()
			lines = append(lines, line{o.group, "-", name, name})
		}
	}
	for id, n := range new {
		o, ok := old[id]
		if !ok {
			lines = append(lines, line{n.group, "+", n.display(), n.display() + n.detail()})
			continue
		}
		if text := changeText(o, n); text != "" {
			lines = append(lines, line{n.group, "~", n.display(), n.display() + ": " + text})
		}
	}
	// Sorted by what is printed: objects of a kind together, then by name;
	// the mark and text only break ties (never in practice), so the order
	// cannot depend on map iteration.
	slices.SortFunc(lines, func(a, b line) int {
		return cmp.Or(cmp.Compare(a.group, b.group), cmp.Compare(a.object, b.object),
			cmp.Compare(a.mark, b.mark), cmp.Compare(a.text, b.text))
	})
	return lines
}

// render prints the lines under one heading per group, groups in a fixed
// order and separated by a blank line.
func render(lines []line) string {
	var b strings.Builder
	for g := range numGroups {
		var in []line
		for _, l := range lines {
			if l.group == g {
				in = append(in, l)
			}
		}
		if len(in) == 0 {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "%s (%s)\n", groupTitles[g], plural(len(in), "change"))
		for _, l := range in {
			fmt.Fprintf(&b, "  %s %s\n", l.mark, l.text)
		}
	}
	return b.String()
}

// plural is "1 change", "2 changes".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// Unreadable lists the files of a set that cannot be summarized, with
// why: a hand edit can break a committed file, and the summary must say
// so rather than fail or count its objects as added.
func Unreadable(fs fileset.FileSet) map[string]string {
	out := map[string]string{}
	for _, p := range fs.Paths() {
		if _, err := load(fileset.FileSet{p: fs[p]}, normalizer{}); err != nil {
			out[p] = whyUnreadable(p, fs[p], err)
		}
	}
	return out
}

// whyUnreadable says in a few words what is wrong with a file.
func whyUnreadable(p string, data []byte, err error) string {
	switch {
	case strings.HasSuffix(p, ".json") && !json.Valid(data):
		return "not valid JSON"
	case groupOf(p) == groupKubernetes && !validYAML(data):
		return "not valid YAML"
	}
	return err.Error()
}

// validYAML reports whether every document of a stream parses.
func validYAML(data []byte) bool {
	for _, doc := range docSeparator.Split(string(data), -1) {
		if _, err := yaml.YAMLToJSON([]byte(doc)); err != nil {
			return false
		}
	}
	return true
}
