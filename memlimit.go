package main

import (
	"os"
	"runtime/debug"
	"strconv"
	"strings"
)

// limitHeapToContainer lets the garbage collector work harder as the
// process nears its container's memory limit, rather than be killed: a
// large tenant's cache is most of the heap, and by default the collector
// lets the heap grow to twice what is live. It leaves a tenth for what is
// not heap. An explicit GOMEMLIMIT wins.
func limitHeapToContainer() {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	b, err := os.ReadFile("/sys/fs/cgroup/memory.max")
	if err != nil {
		return
	}
	limit, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		// "max": no limit.
		return
	}
	debug.SetMemoryLimit(limit / 10 * 9)
}
