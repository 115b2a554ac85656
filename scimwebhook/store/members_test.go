// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/go-logr/logr"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/internal/index"
	"github.com/scim-operator/scim-operator/internal/scheme"
)

// slicesOf builds a group's slices: name → number of members, members
// named <slice>-<i>.
func slicesOf(g *v1alpha1.ScimGroup, sizes map[string]int) []client.Object {
	var objs []client.Object
	for name, n := range sizes {
		sl := &v1alpha1.ScimGroupMemberSlice{
			ObjectMeta: metav1.ObjectMeta{Namespace: g.Namespace, Name: name},
			Spec:       v1alpha1.ScimGroupMemberSliceSpec{GroupRef: v1alpha1.GroupReference{Name: g.Name}, TenantRef: g.Spec.TenantRef},
		}
		for i := range n {
			sl.Spec.Members = append(sl.Spec.Members, v1alpha1.GroupMember{Value: fmt.Sprintf("%s-%d", name, i)})
		}
		objs = append(objs, sl)
	}
	return objs
}

func storeWith(t *testing.T, objs ...client.Object) *Store {
	t.Helper()
	s, err := scheme.New()
	if err != nil {
		t.Fatal(err)
	}
	b := fake.NewClientBuilder().WithScheme(s).WithObjects(objs...)
	index.Each(func(obj client.Object, field string, extract client.IndexerFunc) {
		b = b.WithIndex(obj, field, extract)
	})
	c := b.Build()
	return New(c, c, nil, clock.RealClock{}, logr.Discard())
}

func ids(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%04d", prefix, i)
	}
	return out
}

// edited lists, for each slice the plan writes, how many members it adds
// and removes and whether it clears the slice.
func edited(edits map[string]*sliceEdit) map[string][3]int {
	out := map[string][3]int{}
	for name, e := range edits {
		cleared := 0
		if e.clear {
			cleared = 1
		}
		out[name] = [3]int{len(e.add), len(e.remove), cleared}
	}
	return out
}

func TestPlanMembersWritesFewSlicesOfBoundedSize(t *testing.T) {
	g := &v1alpha1.ScimGroup{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "g"}, Spec: v1alpha1.ScimGroupSpec{TenantRef: v1alpha1.TenantReference{Name: "t"}}}
	fill := v1alpha1.MemberSliceFill
	for _, tc := range []struct {
		name   string
		sizes  map[string]int
		change func(c *MemberChange)
		want   map[string][3]int
		// delta is how many members the change adds and removes.
		delta [2]int
	}{
		{
			name:   "a batch of adds fills the open slice, then starts the next",
			sizes:  map[string]int{"g-000": fill, "g-001": fill - 50},
			change: func(c *MemberChange) { c.Add(ids("new", 100)...) },
			want:   map[string][3]int{"g-001": {50, 0, 0}, "g-002": {50, 0, 0}},
			delta:  [2]int{100, 0},
		},
		{
			name:   "the fullest open slice is filled first, so few stay half empty",
			sizes:  map[string]int{"g-000": 10, "g-001": fill - 5, "g-002": fill},
			change: func(c *MemberChange) { c.Add(ids("new", 3)...) },
			want:   map[string][3]int{"g-001": {3, 0, 0}},
			delta:  [2]int{3, 0},
		},
		{
			name:   "a group's first members start its first slice",
			change: func(c *MemberChange) { c.Add(ids("new", fill+1)...) },
			want:   map[string][3]int{"g-000": {fill, 0, 0}, "g-001": {1, 0, 0}},
			delta:  [2]int{fill + 1, 0},
		},
		{
			name:   "members already held, in any slice, are not added again",
			sizes:  map[string]int{"g-000": fill, "g-0a": 3},
			change: func(c *MemberChange) { c.Add("g-000-7", "g-0a-1") },
			want:   map[string][3]int{},
			delta:  [2]int{0, 0},
		},
		{
			name:  "a remove rewrites only the slices that hold the member",
			sizes: map[string]int{"g-000": fill, "g-001": 20, "g-002": 7},
			change: func(c *MemberChange) {
				c.Remove("g-001-3", "g-002-0", "nobody")
			},
			want:  map[string][3]int{"g-001": {0, 1, 0}, "g-002": {0, 1, 0}},
			delta: [2]int{0, 2},
		},
		{
			name:   "replacing the members clears every slice and fills them in order",
			sizes:  map[string]int{"g-000": 4, "g-001": 9, "g-3f": 2},
			change: func(c *MemberChange) { c.ReplaceAll(ids("new", fill+10)...) },
			want:   map[string][3]int{"g-000": {fill, 0, 1}, "g-001": {10, 0, 1}, "g-3f": {0, 0, 1}},
			delta:  [2]int{fill + 10, 15},
		},
		{
			name:   "replacing the members adds and removes only those that differ",
			sizes:  map[string]int{"g-000": 4},
			change: func(c *MemberChange) { c.ReplaceAll("g-000-0", "g-000-1", "new") },
			want:   map[string][3]int{"g-000": {3, 0, 1}},
			delta:  [2]int{1, 2},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := storeWith(t, slicesOf(g, tc.sizes)...)
			c := NewMemberChange()
			tc.change(c)
			edits, delta, err := s.planMembers(context.Background(), g, c)
			if err != nil {
				t.Fatal(err)
			}
			if got := [2]int{len(delta.Added), len(delta.Removed)}; got != tc.delta {
				t.Errorf("the change adds and removes %v members, want %v: %+v", got, tc.delta, delta)
			}
			got := edited(edits)
			for name, n := range got {
				if n == [3]int{} {
					delete(got, name)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("slices written (adds, removes, cleared):\n got %v\nwant %v", got, tc.want)
			}
		})
	}
}

func TestPlanMembersRemovesAMemberFiledTwice(t *testing.T) {
	g := &v1alpha1.ScimGroup{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "g"}}
	objs := slicesOf(g, map[string]int{"g-000": 2, "g-001": 2})
	// As two replicas adding the same member at once may leave it.
	objs[1].(*v1alpha1.ScimGroupMemberSlice).Spec.Members = append(objs[1].(*v1alpha1.ScimGroupMemberSlice).Spec.Members, objs[0].(*v1alpha1.ScimGroupMemberSlice).Spec.Members[0])
	twice := objs[0].(*v1alpha1.ScimGroupMemberSlice).Spec.Members[0].Value
	s := storeWith(t, objs...)
	c := NewMemberChange()
	c.Remove(twice)
	edits, delta, err := s.planMembers(context.Background(), g, c)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(delta.Removed, []string{twice}) {
		t.Errorf("the change removes %v, want %s once", delta.Removed, twice)
	}
	var from []string
	for name, e := range edits {
		if e.remove[twice] {
			from = append(from, name)
		}
	}
	slices.Sort(from)
	if !slices.Equal(from, []string{"g-000", "g-001"}) {
		t.Errorf("removed %s from %v, want both slices that hold it", twice, from)
	}
}

func TestPlanMembersRefusesAGroupOverItsBoundBeforeWriting(t *testing.T) {
	g := &v1alpha1.ScimGroup{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "g"}}
	c := NewMemberChange()
	c.ReplaceAll(ids("many", v1alpha1.MaxGroupMembers+1)...)
	_, _, err := storeWith(t).planMembers(context.Background(), g, c)
	var e *Error
	if !errors.As(err, &e) || e.Reason != Invalid {
		t.Fatalf("err = %v, want an Invalid store error", err)
	}
}
