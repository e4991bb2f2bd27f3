// wasmbench native timing wrapper for Go workloads: built together with a copy of the
// workload's main.go in which the build script renames `func main()` to
// `func wasmbench_workload_main()` and every `os.Exit(` to `wasmbenchExit(` (the only
// changes; Go has no atexit).
//
// Contract (the harness relies on it): CLOCK_MONOTONIC (Go's monotonic clock) is read right
// before the workload's main and right after it returns, or when it calls os.Exit. Only if
// fd 3 is open and is a pipe, exactly one line "wasmbench-execute-ns <N>\n" is written to
// it, once. Nothing goes to stdout or stderr; the exit code is the workload's.
//
// wasmbench_measured_main is never inlined and only calls the workload's main, so that
// `valgrind --tool=callgrind --toggle-collect='*wasmbench_measured_main*'` counts the
// instructions of the execute phase alone.
//
// The build links it with GODEBUG default asyncpreemptoff=1 (-X runtime.godebugDefault):
// no asynchronous preemption signals, as in the Go wasip1 build (one thread, no signals);
// with them, callgrind 3.19's toggling aborts ("Assertion 'sigNum == ...sig' failed").
package main

import (
	"os"
	"runtime"
	"strconv"
	"syscall"
	"time"
)

var (
	started  time.Time
	reported bool
)

// The main goroutine stays on the main thread: callgrind toggles collection per thread,
// so a migration to another thread in mid-call would lose the rest of the count.
func init() { runtime.LockOSThread() }

func main() {
	started = time.Now()
	wasmbench_measured_main()
	report()
}

//go:noinline
func wasmbench_measured_main() {
	wasmbench_workload_main()
}

// wasmbenchExit stands in for os.Exit in the workload: report, then exit.
func wasmbenchExit(code int) {
	report()
	os.Exit(code)
}

func report() {
	elapsed := time.Since(started) // monotonic: started carries a monotonic reading
	if reported {
		return
	}
	reported = true
	var st syscall.Stat_t
	if syscall.Fstat(3, &st) != nil || st.Mode&syscall.S_IFMT != syscall.S_IFIFO {
		return
	}
	line := "wasmbench-execute-ns " + strconv.FormatInt(elapsed.Nanoseconds(), 10) + "\n"
	syscall.Write(3, []byte(line))
}
