package check

import (
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // timeZone is checked as the control plane checks it, whatever this machine's zoneinfo

	"github.com/robfig/cron/v3"

	"github.com/kuberator/kuberator/compiler/diag"
	"github.com/kuberator/kuberator/compiler/model"
)

// batchOnly are the fields only a Job or a CronJob reads, by the kinds
// that read them.
var batchOnly = []struct {
	field string
	kinds []string
}{
	{"schedule", []string{"CronJob"}}, {"timeZone", []string{"CronJob"}}, {"concurrencyPolicy", []string{"CronJob"}},
	{"startingDeadlineSeconds", []string{"CronJob"}}, {"successfulJobsHistoryLimit", []string{"CronJob"}},
	{"failedJobsHistoryLimit", []string{"CronJob"}}, {"ttlSecondsAfterFinished", []string{"CronJob"}},
	{"backoffLimit", []string{"Job", "CronJob"}}, {"activeDeadlineSeconds", []string{"Job", "CronJob"}},
}

// serviceOnly are the fields of a long-running service that a Job or a
// CronJob has no use for.
var serviceOnly = []string{"port", "host", "hosts", "paths", "autoscaling", "preStopSeconds", "allowFrom", "stateful", "zone", "volume", "replicas", "metrics"}

// checkKinds: each field belongs to the kind that reads it, a CronJob's
// schedule is one the API server accepts, and a worker (no port) takes no
// traffic.
func checkKinds(env *model.Environment, name string, w *model.Workload, ds *diag.Diagnostics) {
	written := func(field string) bool {
		_, ok := env.Positions["workloads."+name+"."+field]
		return ok
	}
	at := func(field ...string) model.Pos {
		return env.Positions.Of(append([]string{"workloads", name}, field...)...)
	}
	kind := w.Kind
	if kind == "" {
		kind = "service"
	}
	if w.Kind == "Job" && written("ttlSecondsAfterFinished") {
		ds.Errorf(at("ttlSecondsAfterFinished"), "remove it: the finished Job stays until the spec changes or drops it",
			"a Job deleted after it finishes is one Flux applies again at its next reconcile, and it runs again")
	}
	for _, f := range batchOnly {
		if written(f.field) && !slices.Contains(f.kinds, w.Kind) && !(w.Kind == "Job" && f.field == "ttlSecondsAfterFinished") {
			ds.Errorf(at(f.field), "remove it, or set kind: "+strings.Join(f.kinds, " or "),
				"%s is for a %s; workload %s is a %s", f.field, strings.Join(f.kinds, " or "), name, kind)
		}
	}
	if w.Batch() {
		for _, f := range serviceOnly {
			if written(f) {
				ds.Errorf(at(f), "remove it: a "+w.Kind+" runs to completion and serves nothing",
					"%s has no meaning for a %s (workload %s)", f, w.Kind, name)
			}
		}
	}
	switch {
	case w.Kind == "CronJob" && w.Schedule == "":
		ds.Errorf(at("kind"), `add schedule: "0 3 * * *" (five cron fields) or a macro such as "@daily"`, "CronJob %s has no schedule", name)
	case w.Kind == "CronJob":
		checkSchedule(w.Schedule, at("schedule"), ds)
		if z := w.TimeZone; z != nil {
			if _, err := time.LoadLocation(*z); err != nil || strings.EqualFold(*z, "Local") {
				ds.Errorf(at("timeZone"), "use an IANA time zone, such as Europe/Dublin", "timeZone %q is not a time zone the control plane knows", *z)
			}
		}
	case w.Port == 0 && !w.Batch():
		for _, f := range []string{"host", "hosts", "allowFrom"} {
			if written(f) {
				ds.Errorf(at(f), "add port: the port it serves on, or remove "+f,
					"workload %s has no port (a worker): %s would route traffic to nothing", name, f)
			}
		}
	}
}

// checkSchedule parses a schedule as the API server does (robfig/cron
// v3.0.1's standard parser, Kubernetes v1.36's), and refuses a time zone
// inside it, which the API refuses on create.
func checkSchedule(schedule string, pos model.Pos, ds *diag.Diagnostics) {
	if strings.Contains(schedule, "TZ") {
		ds.Errorf(pos, "set timeZone instead", "schedule %q names a time zone; the API server takes it only from timeZone", schedule)
		return
	}
	if _, err := cron.ParseStandard(schedule); err != nil {
		ds.Errorf(pos, `five fields, minute hour day-of-month month day-of-week ("0 3 * * 1-5"), or @hourly, @daily, @weekly, @monthly, @yearly, @every 2h`,
			"schedule %q is not one the API server accepts: %v", schedule, err)
	}
}
