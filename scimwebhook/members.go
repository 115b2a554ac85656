// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package scimwebhook

import (
	"context"
	"hash/fnv"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/internal/audit"
	"github.com/scim-operator/scim-operator/internal/brief"
	"github.com/scim-operator/scim-operator/scimwebhook/mapping"
	"github.com/scim-operator/scim-operator/scimwebhook/store"
)

// groupVersion is a group's ETag: it changes with the group and with any
// of its member slices.
func groupVersion(g *v1alpha1.ScimGroup, slices []v1alpha1.ScimGroupMemberSlice) string {
	if len(slices) == 0 {
		return mapping.Version(g)
	}
	parts := make([]string, 0, len(slices))
	for _, sl := range slices {
		parts = append(parts, sl.Name+"="+sl.ResourceVersion)
	}
	sort.Strings(parts)
	h := fnv.New64a()
	_, _ = h.Write([]byte(strings.Join(parts, ",")))
	return mapping.Version(g, strconv.FormatUint(h.Sum64(), 36))
}

// memberRefs lists the members of slices SCIM sees, sorted, with their
// display names.
func (s *Server) memberRefs(ctx context.Context, t *tenantRequest, slices []v1alpha1.ScimGroupMemberSlice) []mapping.Ref {
	refs := []mapping.Ref{}
	// Two replicas adding a member at once may have filed it twice.
	seen := map[string]bool{}
	for _, sl := range slices {
		for _, m := range sl.Spec.Members {
			if seen[m.Value] {
				continue
			}
			seen[m.Value] = true
			ref := mapping.Ref{Value: m.Value, Ref: t.userLocation(m.Value)}
			// A read-only look at each member: copying every cached user
			// of a 100,000-member group would be the bulk of the request.
			if u, ok := s.store.Users.Cached(ctx, t.tenant.Namespace, m.Value); ok {
				if u.HiddenFromSCIM() {
					// Deleted users keep their memberships until the
					// purge, in case they are restored, but SCIM does
					// not see them.
					continue
				}
				ref.Display = u.Spec.DisplayName
				if ref.Display == "" {
					ref.Display = u.Spec.UserName
				}
			}
			refs = append(refs, ref)
		}
	}
	sort.Slice(refs, func(i, j int) bool { return refs[i].Value < refs[j].Value })
	return refs
}

// dropStrangers takes out of the change every member to add that is not
// a user of the tenant SCIM sees (an id that never existed, a purged or
// deleted user, a user created by hand, another tenant's user, a group)
// and returns them: one stale id must not cost the rest of a batch.
func (s *Server) dropStrangers(ctx context.Context, t *tenantRequest, c *store.MemberChange) ([]string, error) {
	strangers, err := s.store.UnknownUsers(ctx, t.tenant, c.Added())
	if err != nil {
		return nil, err
	}
	c.Drop(strangers...)
	return strangers, nil
}

// applyMembers writes a member change into a group and reports what it
// did: the members it added and removed to the audit trail, those the
// request named and it skipped as reportStrangers does.
func (s *Server) applyMembers(ctx context.Context, t *tenantRequest, g *v1alpha1.ScimGroup, c *store.MemberChange, strangers []string) error {
	delta, err := s.store.ApplyMembers(ctx, g, c)
	if err != nil {
		return err //nolint:wrapcheck // a store error, mapped to a status by writeError
	}
	s.auditMembers(t, g, audit.MembersAdded, delta.Added)
	s.auditMembers(t, g, audit.MembersRemoved, delta.Removed)
	s.reportStrangers(t, g, strangers)
	return nil
}

func (s *Server) auditMembers(t *tenantRequest, g *v1alpha1.ScimGroup, action audit.Action, ids []string) {
	if len(ids) == 0 {
		return
	}
	rec := audit.Group(g, action, audit.IdentityProvider)
	rec.Members = audit.MembersOf(ids)
	s.writeAudit(t, rec)
}

// reportStrangers tells the platform team which members a write skipped:
// a Warning Event on the group, a log line and an audit record, each with
// the request id.
func (s *Server) reportStrangers(t *tenantRequest, g *v1alpha1.ScimGroup, strangers []string) {
	if len(strangers) == 0 {
		return
	}
	s.auditMembers(t, g, audit.MembersSkipped, strangers)
	t.log.Info("skipped members that are not users of the tenant", "group", g.Name, "ids", brief.IDs(strangers), "count", len(strangers))
	if s.recorder == nil {
		return
	}
	s.recorder.Eventf(g, nil, corev1.EventTypeWarning, EventGroupMembersSkipped, "Provision",
		"skipped %d member(s) that are not users of this tenant: %s (request %s)", len(strangers), brief.IDs(strangers), t.requestID)
}
