// Package text holds small helpers for messages that name things.
package text

import (
	"strconv"
	"strings"
)

// Suggest is a hint for a mistyped name: the closest known name, or the
// list of known names when none is close.
func Suggest(name string, known []string) string {
	best, bestDist := "", len(name)/2+2
	for _, k := range known {
		if d := Distance(name, k); d < bestDist || strings.Contains(k, name) && best == "" {
			best, bestDist = k, d
		}
	}
	if best == "" {
		return "known names: " + strings.Join(known, ", ")
	}
	return "did you mean " + strconv.Quote(best) + "?"
}

// Distance is the Levenshtein edit distance between two names.
func Distance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
