// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"os"
	"runtime/debug"
	"strconv"
	"strings"
)

// cgroupMemoryLimits are where a container's memory limit is read: cgroup
// v2, then v1, which nodes with the hybrid layout still use.
var cgroupMemoryLimits = []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}

// noLimitV1 is at least what cgroup v1 reports for an unlimited group (a
// page-rounded MaxInt64); no container is given so much.
const noLimitV1 = int64(1) << 60

// limitHeapToContainer lets the garbage collector work harder as the
// process nears its container's memory limit, rather than be killed: a
// large tenant's cache is most of the heap, and by default the collector
// lets the heap grow to twice what is live. It leaves a tenth for what is
// not heap. An explicit GOMEMLIMIT wins.
func limitHeapToContainer() {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	if limit, ok := containerMemoryLimit(cgroupMemoryLimits); ok {
		debug.SetMemoryLimit(limit / 10 * 9)
	}
}

// containerMemoryLimit reads the first of files that exists; "max" (v2)
// and v1's huge value mean no limit.
func containerMemoryLimit(files []string) (int64, bool) {
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		limit, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
		if err != nil || limit <= 0 || limit >= noLimitV1 {
			return 0, false
		}
		return limit, true
	}
	return 0, false
}
