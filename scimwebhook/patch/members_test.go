// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package patch

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// memberBatch is a PATCH adding members, as Entra sends it, of about size
// bytes.
func memberBatch(size int) []byte {
	var b strings.Builder
	b.WriteString(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"members","value":[`)
	for i := 0; b.Len() < size-4; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"value":"%08x-d9cb-469f-a165-70867728950e"}`, i)
	}
	b.WriteString(`]}]}`)
	return []byte(b.String())
}

// allocated is what fn allocates, in bytes.
func allocated(fn func()) int64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return int64(after.TotalAlloc - before.TotalAlloc)
}

// A member batch of 1 MiB is read in a small multiple of its size: the
// goal is 8×; generic values cost more than that.
func TestParseMembersAllocatesAFewTimesTheBody(t *testing.T) {
	body := memberBatch(1 << 20)
	var ops []MemberOp
	fast := allocated(func() {
		var ok bool
		if ops, ok = ParseMembers(body); !ok {
			t.Fatal("ParseMembers does not read a member batch")
		}
	})
	if len(ops) != 1 || len(ops[0].IDs) < 20000 {
		t.Fatalf("read %d operations, want 1 of more than 20,000 members", len(ops))
	}
	generic := allocated(func() {
		if _, err := Parse(body); err != nil {
			t.Fatal(err)
		}
	})
	ratio := func(n int64) float64 { return float64(n) / float64(len(body)) }
	t.Logf("%d members, %d bytes: ParseMembers allocated %d (%.1f×), Parse %d (%.1f×)",
		len(ops[0].IDs), len(body), fast, ratio(fast), generic, ratio(generic))
	if ratio(fast) > 3 {
		t.Errorf("ParseMembers allocated %.1f× the body, more than 3×", ratio(fast))
	}
}
