// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package v1alpha1

import (
	"bytes"
	"slices"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// The rules of an identity's lifecycle that the SCIM server and the
// reconcilers both apply. Each lives here once, so the two sides cannot
// drift apart.

// Fold is the form in which case-insensitive values (userName, emails, a
// group's displayName) are compared, indexed and claimed.
func Fold(s string) string { return strings.ToLower(s) }

// UniqueValue is a value that must be unique within a tenant: while an
// identity holds it, a ScimClaim records that.
// +kubebuilder:object:generate=false
type UniqueValue struct {
	Kind  ClaimKind
	Value string
}

// UniqueValues is a set of unique values: no empty values, and no two that
// differ only in case.
// +kubebuilder:object:generate=false
type UniqueValues []UniqueValue

// With is the set with value of kind added; empty values are not unique
// values, and case variants of one already present add nothing.
func (vs UniqueValues) With(kind ClaimKind, value string) UniqueValues {
	if value == "" || vs.Has(UniqueValue{Kind: kind, Value: value}) {
		return vs
	}
	return append(vs, UniqueValue{Kind: kind, Value: value})
}

// Has reports whether the set holds v, compared as Fold compares.
func (vs UniqueValues) Has(v UniqueValue) bool {
	for _, x := range vs {
		if x.Kind == v.Kind && Fold(x.Value) == Fold(v.Value) {
			return true
		}
	}
	return false
}

// Minus is the values of vs that other does not hold.
func (vs UniqueValues) Minus(other UniqueValues) UniqueValues {
	var out UniqueValues
	for _, v := range vs {
		if !other.Has(v) {
			out = append(out, v)
		}
	}
	return out
}

// UniqueValues is what a user holds within its tenant: its userName, and
// its email of record where the tenant keeps that unique. Other addresses
// are never unique: a family shares a home address, and a directory that
// holds that must not lose a person over it.
func (s *ScimUserSpec) UniqueValues(tenant *ScimTenant) UniqueValues {
	vs := UniqueValues{}.With(ClaimUserName, s.UserName)
	if tenant.Claims(ClaimEmail) {
		vs = vs.With(ClaimEmail, s.EmailOfRecord())
	}
	return vs
}

// UniqueValues is what the user holds now: its spec's unique values while
// it is live, none once it is deleted over SCIM or with kubectl. A deleted
// user's identifiers are free for a new user at once (its data is
// retained, not its identifiers); restoring it claims them again.
func (u *ScimUser) UniqueValues(tenant *ScimTenant) UniqueValues {
	if !u.IsLive() {
		return nil
	}
	return u.Spec.UniqueValues(tenant)
}

// Claims reports whether the tenant keeps values of kind unique: userNames
// and group displayNames always, emails of record where it chose to. A
// tenant that is gone keeps nothing but those always unique.
func (t *ScimTenant) Claims(kind ClaimKind) bool {
	return kind != ClaimEmail || (t != nil && t.Spec.EmailUniqueness == EmailUniquenessEmailOfRecord)
}

// UniqueValues is what a group holds within its tenant: its displayName.
func (s *ScimGroupSpec) UniqueValues() UniqueValues {
	return UniqueValues{}.With(ClaimGroupDisplayName, s.DisplayName)
}

// DeletedOverSCIM reports whether the identity provider deleted the user:
// it is gone for SCIM, and its data is retained until the purge.
func (u *ScimUser) DeletedOverSCIM() bool { return u.Annotations[AnnotationDeletedAt] != "" }

// SCIMDeletedAt is when the identity provider deleted the user, nil if it
// did not. An unreadable time is taken as the user's creation, so the
// purge is never sooner than a whole retention after it.
func (u *ScimUser) SCIMDeletedAt() *metav1.Time {
	v := u.Annotations[AnnotationDeletedAt]
	if v == "" {
		return nil
	}
	at, err := time.Parse(time.RFC3339, v)
	if err != nil {
		at = u.CreationTimestamp.Time
	}
	t := metav1.NewTime(at)
	return &t
}

// MarkDeletedOverSCIM records that the identity provider deleted the user
// at now.
func (u *ScimUser) MarkDeletedOverSCIM(now time.Time) {
	if u.Annotations == nil {
		u.Annotations = map[string]string{}
	}
	u.Annotations[AnnotationDeletedAt] = now.UTC().Format(time.RFC3339)
}

// Restore undoes MarkDeletedOverSCIM.
func (u *ScimUser) Restore() { delete(u.Annotations, AnnotationDeletedAt) }

// HiddenFromSCIM reports whether SCIM does not see the user although it
// exists: deleted over SCIM or with kubectl (retained until the purge),
// or created by hand
// and so out of SCIM's control until SCIM adopts it.
func (u *ScimUser) HiddenFromSCIM() bool {
	return !u.IsLive() || u.Spec.ManagedBy != ManagedBySCIM
}

// IsLive reports whether the user is neither being deleted nor deleted
// over SCIM: whether it can be someone's manager.
func (u *ScimUser) IsLive() bool { return u.DeletionTimestamp.IsZero() && !u.DeletedOverSCIM() }

// BearerToken is the token a Secret value holds. White space around it
// (the newline an editor or "kubectl create secret --from-file" leaves)
// is not part of it: presented tokens are trimmed too, so a Secret that
// looks right works.
func BearerToken(stored []byte) []byte { return bytes.TrimSpace(stored) }

// AdoptsBy reports whether the tenant adopts users created by hand that
// match on m. A tenant stored before the setting existed adopts by
// userName, the default.
func (t *ScimTenant) AdoptsBy(m AdoptionMatch) bool {
	if t.Spec.AdoptManualUsersBy == nil {
		return m == AdoptByUserName
	}
	return slices.Contains(t.Spec.AdoptManualUsersBy, m)
}

// RestoresBy reports whether a create restores a deleted user that shares
// m with it; without a list, by externalId only.
func (t *ScimTenant) RestoresBy(m RestoreMatch) bool {
	if t.Spec.RestoreDeletedBy == nil {
		return m == RestoreByExternalID
	}
	return slices.Contains(t.Spec.RestoreDeletedBy, m)
}

// NeverAdopt reports whether a user created by hand opts out of adoption.
func (u *ScimUser) NeverAdopt() bool { return u.Annotations[AnnotationNeverAdopt] == "true" }

// MarkProvisioned records on obj the provisioning action about to be
// written with it, and the request that asked for it.
func MarkProvisioned(obj metav1.Object, action, requestID string) {
	ann := obj.GetAnnotations()
	if ann == nil {
		ann = map[string]string{}
	}
	ann[AnnotationLastAction], ann[AnnotationLastRequestID] = action, requestID
	obj.SetAnnotations(ann)
}

// LastProvisioning is the last provisioning action recorded on u, or nil.
func (u *ScimUser) LastProvisioning() *ProvisioningAction {
	action := u.Annotations[AnnotationLastAction]
	if action == "" {
		return nil
	}
	last := &ProvisioningAction{Action: action, RequestID: u.Annotations[AnnotationLastRequestID]}
	if at, err := time.Parse(time.RFC3339, u.Annotations[AnnotationLastModified]); err == nil {
		last.At = &metav1.Time{Time: at}
	}
	return last
}

// Default request limits of a tenant, where neither its spec.rateLimit
// nor the SCIM server's flags say otherwise.
const (
	DefaultRequestsPerSecond = 200
	DefaultBurst             = 400
	DefaultMaxInFlight       = 32
)

// EffectiveLimits is what applies to the tenant: its spec.rateLimit over
// the SCIM server's request limits (fields server leaves out are the
// defaults), and its spec.limits.
func (t *ScimTenant) EffectiveLimits(server RateLimit) EffectiveLimits {
	pick := func(own, def *int32, fallback int32) int32 {
		return ptr.Deref(own, ptr.Deref(def, fallback))
	}
	own := ptr.Deref(t.Spec.RateLimit, RateLimit{})
	limits := ptr.Deref(t.Spec.Limits, TenantLimits{})
	return EffectiveLimits{
		RequestsPerSecond: pick(own.RequestsPerSecond, server.RequestsPerSecond, DefaultRequestsPerSecond),
		Burst:             pick(own.Burst, server.Burst, DefaultBurst),
		MaxInFlight:       pick(own.MaxInFlight, server.MaxInFlight, DefaultMaxInFlight),
		MaxUsers:          limits.MaxUsers,
		MaxGroups:         limits.MaxGroups,
	}
}
