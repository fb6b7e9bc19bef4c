package summary

import (
	"cmp"
	"reflect"
	"slices"
	"strings"
)

// changeText describes how an object changed, "" when it did not: its kind's
// facts that changed ("max 10 → 12"), then the changed leaves no fact
// accounts for ("2 other changed fields (tags.team, tags.costCenter)").
func changeText(o, n *object) string {
	changed := changedPaths(o.body, n.body)
	switch {
	case len(changed) == 0:
		return ""
	case len(changed) == 1 && changed[0] == "":
		return "changed" // the object is one value: a local, a file
	}
	labels, before, after := pairFacts(factsOf(o), factsOf(n))

	// A part only one side has covers everything beneath it: a new
	// container is one "+ container x", not a line per field.
	var gone []string
	for _, l := range labels {
		if f := oneSided(before[l], after[l]); f != nil && f.presence {
			gone = append(gone, f.covers...)
		}
	}
	covered := slices.Clone(gone)
	var parts []string
	for _, l := range labels {
		a, b := before[l], after[l]
		f := cmp.Or(b, a)
		var part string
		switch {
		case f.presence:
			part = presencePart(l, a, b, n.norm)
		case slices.ContainsFunc(f.covers, func(c string) bool { return coveredBy(c, gone) }):
			// Beneath a part only one side has: said already.
		default:
			covered = append(covered, f.covers...)
			part = factPart(l, a, b, changed, o.norm, n.norm)
		}
		if part != "" {
			parts = append(parts, part)
		}
	}

	var other []string
	for _, p := range changed {
		if !coveredBy(p, covered) {
			other = append(other, p)
		}
	}
	if len(other) > 0 {
		noun := "changed field"
		if len(parts) > 0 {
			noun = "other changed field"
		}
		parts = append(parts, plural(len(other), noun)+" ("+n.norm.back(list(other))+")")
	}
	return strings.Join(parts, "; ")
}

// presencePart is "+ container envoy (image)" or "- container envoy" when
// only one side has the part, "" when both do.
func presencePart(label string, a, b *fact, newNorm normalizer) string {
	switch {
	case a == nil:
		return "+ " + label + " (" + newNorm.back(format(b.value)) + ")"
	case b == nil:
		return "- " + label
	}
	return ""
}

// factPart is how a fact changed, "" when it did not: "max 10 → 12", or for
// a paths fact "values changed (replicas, tolerations)".
func factPart(label string, a, b *fact, changed []string, oldNorm, newNorm normalizer) string {
	f := cmp.Or(b, a)
	if f.paths {
		switch under := pathsUnder(changed, f.covers[0]); {
		case slices.Contains(under, ""): // the whole value, not a map
			return label + " changed"
		case len(under) > 0:
			return label + " changed (" + newNorm.back(list(under)) + ")"
		}
		return ""
	}
	va, vb := valueOf(a), valueOf(b)
	if reflect.DeepEqual(va, vb) {
		return ""
	}
	from, to := oldNorm.back(format(va)), newNorm.back(format(vb))
	if f.image {
		from, to = shortImages(from, to)
	}
	return label + " " + from + " → " + to
}

func factsOf(o *object) []fact {
	if o.kind.facts == nil {
		return nil
	}
	return o.kind.facts(o.body)
}

// pairFacts indexes both sides' facts by label, and orders the labels as the
// new side has them, then those only the old side has.
func pairFacts(old, new []fact) (labels []string, before, after map[string]*fact) {
	before, after = map[string]*fact{}, map[string]*fact{}
	for i := range new {
		labels = append(labels, new[i].label)
		after[new[i].label] = &new[i]
	}
	for i := range old {
		if after[old[i].label] == nil {
			labels = append(labels, old[i].label)
		}
		before[old[i].label] = &old[i]
	}
	return labels, before, after
}

// oneSided returns the fact when exactly one side has it.
func oneSided(a, b *fact) *fact {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	return nil
}

func valueOf(f *fact) any {
	if f == nil {
		return nil
	}
	return f.value
}

// pathsUnder lists the changed paths at or beneath prefix, relative to it:
// "" for the prefix itself.
func pathsUnder(changed []string, prefix string) []string {
	var out []string
	for _, p := range changed {
		if covers(prefix, p) {
			out = append(out, strings.TrimPrefix(strings.TrimPrefix(p, prefix), "."))
		}
	}
	return out
}

// shortImages prints two image references by their tags (or digests) alone
// when they name the same repository.
func shortImages(a, b string) (string, string) {
	repoA, refA := splitImage(a)
	repoB, refB := splitImage(b)
	if repoA == repoB && refA != "" && refB != "" {
		return refA, refB
	}
	return a, b
}

// splitImage splits "ghcr.io/x/y:1.2" into "ghcr.io/x/y" and "1.2", and
// "y@sha256:…" at the "@"; a reference with neither has an empty tag. The
// tag's ":" is the one after the last "/", as a registry may have a port.
func splitImage(image string) (repo, ref string) {
	if i := strings.LastIndex(image, "@"); i >= 0 {
		return image[:i], image[i+1:]
	}
	if i := strings.LastIndex(image, ":"); i > strings.LastIndex(image, "/") {
		return image[:i], image[i+1:]
	}
	return image, ""
}
