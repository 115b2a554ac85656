// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"time"

	"golang.org/x/sync/errgroup"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/internal/index"
)

// A group's members live in ScimGroupMemberSlices. New members fill the
// group's open slices, up to v1alpha1.MemberSliceFill each, and a member
// is found again through the slice.members.value index: a batch of adds
// rewrites one or two slices of bounded size however large the group is,
// and a remove rewrites the one slice that holds the member. Two replicas
// adding the same member at the same moment may file it in two slices;
// readers take a group's members as a set, and a remove takes the member
// out of every slice that holds it.

func sliceName(group string, n int) string { return fmt.Sprintf("%s-%03d", group, n) }

// MemberSlices lists a group's slices as cached: callers must not modify
// them.
func (s *Store) MemberSlices(ctx context.Context, g *v1alpha1.ScimGroup) ([]v1alpha1.ScimGroupMemberSlice, error) {
	list := &v1alpha1.ScimGroupMemberSliceList{}
	if err := s.client.List(ctx, list, client.InNamespace(g.Namespace), client.MatchingFields{index.SliceGroup: g.Name}, client.UnsafeDisableDeepCopy); err != nil {
		return nil, fromAPI(err, "list member slices")
	}
	return list.Items, nil
}

// GroupsOf lists the tenant's groups user is a member of, sorted by id.
func (s *Store) GroupsOf(ctx context.Context, tenant *v1alpha1.ScimTenant, user string) ([]*v1alpha1.ScimGroup, error) {
	list := &v1alpha1.ScimGroupMemberSliceList{}
	if err := s.client.List(ctx, list, client.InNamespace(tenant.Namespace), client.MatchingFields{index.SliceMember: user}, client.UnsafeDisableDeepCopy); err != nil {
		return nil, fromAPI(err, "list the user's member slices")
	}
	var names []string
	for _, sl := range list.Items {
		if sl.Spec.TenantRef.Name == tenant.Name {
			names = append(names, sl.Spec.GroupRef.Name)
		}
	}
	slices.Sort(names)
	var out []*v1alpha1.ScimGroup
	for _, name := range slices.Compact(names) {
		g := &v1alpha1.ScimGroup{}
		if err := s.client.Get(ctx, types.NamespacedName{Namespace: tenant.Namespace, Name: name}, g); err == nil {
			out = append(out, g)
		}
	}
	return out, nil
}

// MemberChange is what one request does to a group's members: with
// replace, the added members are the complete new member list.
type MemberChange struct {
	replace bool
	add     map[string]bool
	remove  map[string]bool
}

// NewMemberChange is a change that changes nothing yet.
func NewMemberChange() *MemberChange {
	return &MemberChange{add: map[string]bool{}, remove: map[string]bool{}}
}

// Add adds members.
func (c *MemberChange) Add(ids ...string) {
	for _, id := range ids {
		c.add[id] = true
		delete(c.remove, id)
	}
}

// Remove removes members.
func (c *MemberChange) Remove(ids ...string) {
	for _, id := range ids {
		delete(c.add, id)
		if !c.replace {
			c.remove[id] = true
		}
	}
}

// Drop forgets members the change would add.
func (c *MemberChange) Drop(ids ...string) {
	for _, id := range ids {
		delete(c.add, id)
	}
}

// ReplaceAll makes ids the whole member list.
func (c *MemberChange) ReplaceAll(ids ...string) {
	c.replace = true
	c.add = map[string]bool{}
	c.remove = map[string]bool{}
	c.Add(ids...)
}

// Empty reports whether the change changes nothing.
func (c *MemberChange) Empty() bool {
	return !c.replace && len(c.add) == 0 && len(c.remove) == 0
}

// Added lists the members the change adds, sorted.
func (c *MemberChange) Added() []string {
	ids := make([]string, 0, len(c.add))
	for id := range c.add {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// sliceWriters bounds the slices one member change writes at once.
const sliceWriters = 8

// sliceEdit is what one member change does to one slice.
type sliceEdit struct {
	clear       bool
	add, remove map[string]bool
}

func (e *sliceEdit) apply(set map[string]bool) {
	if e.clear {
		clear(set)
	}
	for id := range e.add {
		set[id] = true
	}
	for id := range e.remove {
		delete(set, id)
	}
}

// MemberDelta is what a member change did to a group: the members it
// added and those it removed, sorted.
type MemberDelta struct{ Added, Removed []string }

// ApplyMembers writes a member change into the group's slices, touching
// only the slices whose members change, and moves the group's
// lastModified when any did.
func (s *Store) ApplyMembers(ctx context.Context, g *v1alpha1.ScimGroup, c *MemberChange) (MemberDelta, error) {
	if c.Empty() {
		return MemberDelta{}, nil
	}
	edits, delta, err := s.planMembers(ctx, g, c)
	if err != nil {
		return MemberDelta{}, err
	}
	names := make([]string, 0, len(edits))
	for name := range edits {
		names = append(names, name)
	}
	sort.Strings(names)
	// Slices are independent objects: a change touching several of them
	// writes them side by side, each once, and the group's last
	// modification beside them rather than after them.
	writers, wctx := errgroup.WithContext(ctx)
	writers.SetLimit(sliceWriters)
	if len(names) > 0 {
		writers.Go(func() error { return s.touchGroup(wctx, g) })
	}
	for _, name := range names {
		writers.Go(func() error {
			return s.updateSlice(wctx, g, name, edits[name].apply)
		})
	}
	if err := writers.Wait(); err != nil {
		return MemberDelta{}, err //nolint:wrapcheck // the writers' errors are the store's own, already wrapped
	}
	return delta, nil
}

// planMembers decides which slice each member of the change is written
// to or taken from, from the cached slices, before anything is written,
// and what that changes.
func (s *Store) planMembers(ctx context.Context, g *v1alpha1.ScimGroup, c *MemberChange) (map[string]*sliceEdit, MemberDelta, error) {
	var delta MemberDelta
	current, err := s.MemberSlices(ctx, g)
	if err != nil {
		return nil, delta, err
	}
	edits := map[string]*sliceEdit{}
	edit := func(name string) *sliceEdit {
		if edits[name] == nil {
			edits[name] = &sliceEdit{add: map[string]bool{}, remove: map[string]bool{}}
		}
		return edits[name]
	}
	size := map[string]int{}
	total := 0
	for _, sl := range current {
		size[sl.Name] = len(sl.Spec.Members)
		total += len(sl.Spec.Members)
	}
	toAdd := c.Added()
	if c.replace {
		held := map[string]bool{}
		for _, sl := range current {
			edit(sl.Name).clear = true
			size[sl.Name] = 0
			for _, m := range sl.Spec.Members {
				held[m.Value] = true
			}
		}
		total = 0
		for _, id := range toAdd {
			if !held[id] {
				delta.Added = append(delta.Added, id)
			}
		}
		for id := range held {
			if !c.add[id] {
				delta.Removed = append(delta.Removed, id)
			}
		}
	} else {
		// Members already filed anywhere are not filed again.
		fresh := toAdd[:0]
		for _, id := range toAdd {
			held, err := s.slicesHolding(ctx, g, id)
			if err != nil {
				return nil, delta, err
			}
			if len(held) == 0 {
				fresh = append(fresh, id)
			}
		}
		toAdd = fresh
		delta.Added = slices.Clone(fresh)
		for id := range c.remove {
			held, err := s.slicesHolding(ctx, g, id)
			if err != nil {
				return nil, delta, err
			}
			if len(held) > 0 {
				delta.Removed = append(delta.Removed, id)
			}
			for _, name := range held {
				edit(name).remove[id] = true
				size[name]--
				total--
			}
		}
	}
	sort.Strings(delta.Removed)
	if total+len(toAdd) > v1alpha1.MaxGroupMembers {
		return nil, delta, &Error{Reason: Invalid, Detail: fmt.Sprintf("a group holds at most %d members; this change would give it %d: nothing was changed", v1alpha1.MaxGroupMembers, total+len(toAdd))}
	}
	// Fill the open slices, fullest first so that few stay half empty,
	// then start new ones.
	open := make([]string, 0, len(size))
	for name, n := range size {
		if n < v1alpha1.MemberSliceFill {
			open = append(open, name)
		}
	}
	sort.Slice(open, func(i, j int) bool {
		if size[open[i]] != size[open[j]] {
			return size[open[i]] > size[open[j]]
		}
		return open[i] < open[j]
	})
	next := 0
	for len(toAdd) > 0 {
		var name string
		if len(open) > 0 {
			name, open = open[0], open[1:]
		} else {
			// The lowest number no slice of the group has.
			for name = sliceName(g.Name, next); hasSlice(size, name); name = sliceName(g.Name, next) {
				next++
			}
		}
		room := min(v1alpha1.MemberSliceFill-size[name], len(toAdd))
		for _, id := range toAdd[:room] {
			edit(name).add[id] = true
		}
		size[name] += room
		toAdd = toAdd[room:]
	}
	return edits, delta, nil
}

func hasSlice(size map[string]int, name string) bool {
	_, ok := size[name]
	return ok
}

// slicesHolding names the group's cached slices that hold member.
func (s *Store) slicesHolding(ctx context.Context, g *v1alpha1.ScimGroup, member string) ([]string, error) {
	list := &v1alpha1.ScimGroupMemberSliceList{}
	if err := s.client.List(ctx, list, client.InNamespace(g.Namespace), client.MatchingFields{index.SliceMember: member}, client.UnsafeDisableDeepCopy); err != nil {
		return nil, fromAPI(err, "list the member's slices")
	}
	var names []string
	for _, sl := range list.Items {
		if sl.Spec.GroupRef.Name == g.Name {
			names = append(names, sl.Name)
		}
	}
	return names, nil
}

// touchGroup records that a group's members changed. A merge patch of the
// annotation alone cannot conflict with other writers: concurrent member
// changes each move it, and the last one wins.
func (s *Store) touchGroup(ctx context.Context, g *v1alpha1.ScimGroup) error {
	now := s.clock.Now().UTC().Format(time.RFC3339)
	if g.Annotations[v1alpha1.AnnotationLastModified] == now {
		return nil
	}
	body, err := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": map[string]string{v1alpha1.AnnotationLastModified: now}}})
	if err != nil {
		return fmt.Errorf("encode the group's last modification: %w", err)
	}
	if err := s.client.Patch(ctx, g, client.RawPatch(types.MergePatchType, body)); err != nil {
		return fromAPI(err, "record the group's last modification")
	}
	return nil
}

// updateSlice changes the members of one slice with optimistic
// concurrency, creating the slice when it gains its first member and
// deleting it when it loses its last.
func (s *Store) updateSlice(ctx context.Context, g *v1alpha1.ScimGroup, name string, change func(set map[string]bool)) error {
	key := types.NamespacedName{Namespace: g.Namespace, Name: name}
	for attempt := 1; ; attempt++ {
		if attempt > maxUpdateAttempts {
			return &Error{Reason: Unavailable, RetryAfter: unavailableRetryAfter,
				Detail: "the group's members are being changed by many requests at once; retry"}
		}
		sl := &v1alpha1.ScimGroupMemberSlice{}
		var err error
		if attempt == 1 {
			err = s.client.Get(ctx, key, sl)
		} else {
			err = s.apiReader.Get(ctx, key, sl)
		}
		exists := err == nil
		if err != nil && !apierrors.IsNotFound(err) {
			return fromAPI(err, "get member slice")
		}
		set := map[string]bool{}
		for _, m := range sl.Spec.Members {
			set[m.Value] = true
		}
		before := len(set)
		change(set)
		if len(set) > v1alpha1.MaxMembersPerSlice {
			// Only writers racing for the same open slice get here: the
			// plan fills a slice to MemberSliceFill.
			return &Error{Reason: Unavailable, RetryAfter: unavailableRetryAfter,
				Detail: fmt.Sprintf("the group's member slice %s is full (%d) with members other requests added at the same time; retry", key.Name, v1alpha1.MaxMembersPerSlice)}
		}
		members := make([]v1alpha1.GroupMember, 0, len(set))
		for id := range set {
			members = append(members, v1alpha1.GroupMember{Value: id})
		}
		sort.Slice(members, func(i, j int) bool { return members[i].Value < members[j].Value })
		if len(set) == before && sameMembers(sl.Spec.Members, members) {
			return nil
		}
		deleted := exists && len(members) == 0
		switch {
		case !exists:
			sl = s.newSlice(g, key.Name, members)
			err = s.client.Create(ctx, sl)
		case deleted:
			err = s.client.Delete(ctx, sl, client.Preconditions{ResourceVersion: &sl.ResourceVersion})
		default:
			sl.Spec.Members = members
			err = s.client.Update(ctx, sl)
		}
		switch {
		case err == nil:
			s.awaitCache(ctx, sl, deleted)
			return nil
		case apierrors.IsConflict(err), apierrors.IsAlreadyExists(err), apierrors.IsNotFound(err):
			if err := backoffAfterConflict(ctx, attempt); err != nil {
				return err
			}
			continue
		default:
			return fromAPI(err, "write member slice")
		}
	}
}

func sameMembers(a, b []v1alpha1.GroupMember) bool {
	if len(a) != len(b) {
		return false
	}
	seen := make(map[string]bool, len(a))
	for _, m := range a {
		seen[m.Value] = true
	}
	for _, m := range b {
		if !seen[m.Value] {
			return false
		}
	}
	return true
}

func (s *Store) newSlice(g *v1alpha1.ScimGroup, name string, members []v1alpha1.GroupMember) *v1alpha1.ScimGroupMemberSlice {
	sl := &v1alpha1.ScimGroupMemberSlice{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: g.Namespace,
			Name:      name,
			Labels:    map[string]string{v1alpha1.LabelGroup: g.Name},
		},
		Spec: v1alpha1.ScimGroupMemberSliceSpec{
			GroupRef:  v1alpha1.GroupReference{Name: g.Name},
			TenantRef: g.Spec.TenantRef,
			Members:   members,
		},
	}
	// The group owns its slices, so the garbage collector removes any a
	// failed delete left behind.
	if err := controllerutil.SetOwnerReference(g, sl, s.client.Scheme()); err != nil {
		s.log.Error(err, "set member slice owner", "slice", name)
	}
	return sl
}

// DeleteMembers removes all of a deleted group's slices.
func (s *Store) DeleteMembers(ctx context.Context, g *v1alpha1.ScimGroup) error {
	err := s.client.DeleteAllOf(ctx, &v1alpha1.ScimGroupMemberSlice{}, client.InNamespace(g.Namespace), client.MatchingLabels{v1alpha1.LabelGroup: g.Name})
	return fromAPI(err, "delete member slices")
}
