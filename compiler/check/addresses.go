package check

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/kuberator/kuberator/compiler/diag"
	"github.com/kuberator/kuberator/compiler/model"
)

// An in-cluster address of a Service: name.namespace.svc, with or without
// .cluster.local, a scheme and a port.
var serviceAddress = regexp.MustCompile(`\b([a-z0-9](?:[-a-z0-9]*[a-z0-9])?)\.([a-z0-9](?:[-a-z0-9]*[a-z0-9])?)\.svc(?:\.cluster\.local)?\b`)

// bareAddress is a whole value that is a Service's short name: name,
// name:port, scheme://name[:port][/path].
var bareAddress = regexp.MustCompile(`^(?:[a-z][a-z0-9+.-]*://)?(?:[^@/\s]+@)?([a-z0-9](?:[-a-z0-9]*[a-z0-9])?)(?::\d+)?(?:/\S*)?$`)

// checkAddresses: a workload whose env, args or files name another
// workload's in-cluster address must be one that workload's allowFrom
// admits, or the namespace's default-deny drops the connection and only
// the running service notices; an address in another namespace is wrong.
func checkAddresses(env *model.Environment, ds *diag.Diagnostics) {
	short := shortAddress(env.Name)
	for _, caller := range model.SortedKeys(env.Workloads) {
		w := env.Workloads[caller]
		for _, t := range texts(caller, w) {
			for _, a := range addressesIn(t.value, env.Name, short) {
				target, ok := env.Workloads[a.name]
				switch {
				case !ok || a.name == caller:
				case a.namespace != "" && a.namespace != env.Name:
					ds.Errorf(env.Positions.Of(t.field...), fmt.Sprintf("use %s.%s.svc: the workload runs in namespace %s", a.name, env.Name, env.Name),
						"%s names %s in namespace %s, but workload %s runs in %s", t.what, a.name, a.namespace, a.name, env.Name)
				case !slices.Contains(target.AllowFrom, caller):
					ds.Errorf(env.Positions.Of(t.field...), fmt.Sprintf("add allowFrom: [%q] to workload %s", caller, a.name),
						"%s connects to workload %s, whose allowFrom does not admit %s: the namespace's policies drop the connection", t.what, a.name, caller)
				}
			}
		}
	}
}

type programText struct {
	what, value string
	field       []string
}

// texts are the strings a workload's program reads: literal env values,
// command and args, file contents.
func texts(name string, w *model.Workload) []programText {
	var out []programText
	for _, k := range model.SortedKeys(w.Env) {
		if s, ok := w.Env[k].(string); ok {
			out = append(out, programText{"env " + k + " of " + name, s, []string{"workloads", name, "env", k}})
		}
	}
	for i, s := range w.Command {
		out = append(out, programText{"the command of " + name, s, []string{"workloads", name, "command", strconv.Itoa(i)}})
	}
	for i, s := range w.Args {
		out = append(out, programText{"an arg of " + name, s, []string{"workloads", name, "args", strconv.Itoa(i)}})
	}
	for _, p := range model.SortedKeys(w.Files) {
		out = append(out, programText{"file " + p + " of " + name, w.Files[p], []string{"workloads", name, "files", p}})
	}
	return out
}

type address struct{ name, namespace string }

// shortAddress matches name.<namespace>, the short form of a Service's
// address in the environment's namespace: compiled once per check, not per
// value.
func shortAddress(namespace string) *regexp.Regexp {
	return regexp.MustCompile(`\b([a-z0-9](?:[-a-z0-9]*[a-z0-9])?)\.` + regexp.QuoteMeta(namespace) + `\b`)
}

// addressesIn finds the Service addresses in a value: name.ns.svc forms
// anywhere, name.<env> when nothing longer follows (not a public host
// name such as service1.qa.example.com), and a bare name when it is the
// whole value (or the value after --flag=).
func addressesIn(s, namespace string, short *regexp.Regexp) []address {
	var out []address
	for _, m := range serviceAddress.FindAllStringSubmatch(s, -1) {
		out = append(out, address{m[1], m[2]})
	}
	for _, m := range short.FindAllStringSubmatchIndex(s, -1) {
		if end := m[1]; end < len(s) && (s[end] == '.' || s[end] == '-') {
			continue // a longer name: service1.qa.example.com
		}
		out = append(out, address{s[m[2]:m[3]], namespace})
	}
	value := s
	if _, after, ok := strings.Cut(s, "="); ok && strings.HasPrefix(s, "-") {
		value = after
	}
	if m := bareAddress.FindStringSubmatch(value); m != nil {
		out = append(out, address{m[1], ""})
	}
	return out
}
