// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package v1alpha1

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Labels and annotations the operator reads or writes.
const (
	// LabelTokenSecret ("true") marks Secrets that hold a tenant's bearer
	// token. The operator caches only Secrets carrying it, never every
	// Secret in the cluster. It sets it on the Secrets it creates; a Secret
	// a platform team brings must carry it, so that a tenant's editor
	// cannot turn an unrelated Secret into a token by naming it.
	LabelTokenSecret = "scim.provisioning.io/token-secret"

	// LabelGroup names the ScimGroup a ScimGroupMemberSlice belongs to, so
	// that all of a group's slices can be listed or deleted at once.
	LabelGroup = "scim.provisioning.io/group"

	// AnnotationDeletedAt marks a user deleted over SCIM, with the time
	// (RFC 3339). The user is gone for SCIM but its data is retained until
	// the purge time; a create of the same userName restores it.
	AnnotationDeletedAt = "scim.provisioning.io/deleted-at"

	// AnnotationPurgeNow, set to "true" on a deactivated or deleted user,
	// purges it at once instead of at the end of the retention.
	AnnotationPurgeNow = "scim.provisioning.io/purge-now"

	// AnnotationLastModified is when the identity provider last changed
	// an identity (RFC 3339), SCIM's meta.lastModified.
	AnnotationLastModified = "scim.provisioning.io/last-modified"

	// AnnotationLastAction is the last provisioning action on an identity
	// (the Event reason: UserCreated, UserDeactivated, …), written with
	// the change itself; AnnotationLastRequestID is the request that made
	// it (the identity provider's X-Request-Id, or the server's). With
	// AnnotationLastModified they outlive the Events, which the API server
	// drops after an hour.
	AnnotationLastAction    = "scim.provisioning.io/last-action"
	AnnotationLastRequestID = "scim.provisioning.io/last-request-id"

	// LabelAttributesInvalid ("true") marks users with attribute values the
	// operator could not normalise, so that a platform team finds them with
	// kubectl get scimusers -l scim.provisioning.io/attributes-invalid=true.
	// The user's AttributesValid condition says which.
	LabelAttributesInvalid = "scim.provisioning.io/attributes-invalid"

	// AnnotationRestore, set to "true" on a user deleted over SCIM and
	// still retained, restores it: its userName and email of record are
	// claimed again (unless a newer user holds them) and SCIM sees it
	// again, without the memberships deletion removed.
	AnnotationRestore = "scim.provisioning.io/restore"

	// AnnotationNeverAdopt, set to "true" on a user created by hand, keeps
	// SCIM from ever taking it over (a break-glass account, say): a create
	// that would adopt it fails with a conflict that says so.
	AnnotationNeverAdopt = "scim.provisioning.io/never-adopt"

	// FinalizerRetention holds a deleted user's data until its purge time.
	FinalizerRetention = "scim.provisioning.io/retention"
)

// Verifier is a tenant's verifier once a token is taken in.
// +kubebuilder:object:generate=false
type Verifier struct {
	// Spec is what the verifier holds.
	Spec ScimTokenVerifierSpec
	// Rotated says the token replaced the one published before.
	Rotated bool
}

// NextVerifier takes token into the verifier published so far (nil for
// none) of tenant ("namespace/name") at now. A token that differs from
// the published one replaced it: the replaced one stays accepted for
// grace from now. The grace runs from when the rotation was seen, with
// the tenant's grace period as it is now, so shortening the period
// shortens the overlap.
func NextVerifier(published *ScimTokenVerifierSpec, tenant string, token []byte, now time.Time, grace time.Duration) Verifier {
	digest := TokenVerifier(token)
	now = now.UTC().Truncate(time.Second)
	if published == nil {
		published = &ScimTokenVerifierSpec{}
	}
	since, previous := published.CurrentSince.Time, published.Previous
	rotated := published.Current != nil && !bytes.Equal(published.Current, digest)
	switch {
	case rotated:
		previous, since = published.Current, now
	case published.Current == nil || since.IsZero():
		previous, since = nil, now
	}
	v := Verifier{
		Spec:    ScimTokenVerifierSpec{Tenant: tenant, Current: digest, CurrentSince: metav1.NewTime(since)},
		Rotated: rotated,
	}
	if expires := since.Add(grace); previous != nil && now.Before(expires) {
		at := metav1.NewTime(expires)
		v.Spec.Previous, v.Spec.PreviousExpiresAt = previous, &at
	}
	return v
}

// VerifierName is the name of the ScimTokenVerifier, in the operator's
// namespace, of tenant namespace/name. It derives from both so that
// tenants of every namespace share one namespace without clashing, and
// the server finds it without a lookup.
func VerifierName(namespace, tenant string) string {
	sum := sha256.Sum256([]byte(namespace + "/" + tenant))
	return "scim-verifier-" + hex.EncodeToString(sum[:20])
}

// generatedTokenBytes is the entropy of a generated token: 256 bits.
const generatedTokenBytes = 32

// GenerateToken returns a random URL-safe token of 43 characters, as the
// operator writes into the token Secrets it creates and kubectl scim
// token rotate writes on request.
func GenerateToken() []byte {
	b := make([]byte, generatedTokenBytes)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+).
	return []byte(base64.RawURLEncoding.EncodeToString(b))
}

// TokenVerifier is what a token is checked against: the SHA-256 digest of
// the token as BearerToken reads it. Comparing digests, in constant time,
// also keeps the comparison's time independent of the tokens' lengths.
func TokenVerifier(token []byte) []byte {
	sum := sha256.Sum256(BearerToken(token))
	return sum[:]
}

// ClaimName is the name of the ScimClaim on a value of kind within tenant.
// It derives from the tenant and the case-folded value, so that every
// replica computes the same name and the API server's atomic create
// decides who gets the value.
func ClaimName(tenant string, kind ClaimKind, value string) string {
	sum := sha256.Sum256([]byte(tenant + "\x00" + string(kind) + "\x00" + Fold(value)))
	return "claim-" + hex.EncodeToString(sum[:20])
}

const (
	// DefaultSoftDeleteRetention is how long deactivated and deleted users
	// are kept when the tenant sets no retention: 90 days.
	DefaultSoftDeleteRetention = 90 * 24 * time.Hour

	// MinTokenLength is the shortest bearer token accepted; anything shorter
	// is too easy to guess.
	MinTokenLength = 32

	// SCIMPathPrefix is where the SCIM server serves tenants:
	// <base URL>/scim/v2/<namespace>/<tenant>.
	SCIMPathPrefix = "/scim/v2"
)

// Bounds on what an identity may hold, checked by the SCIM server before
// it writes anything (claims included). The CRDs' markers set the same
// numbers; a test keeps them equal.
const (
	// MaxUserNameLength bounds spec.userName.
	MaxUserNameLength = 512
	// MaxEmails bounds spec.emails, and so the email claims of one user.
	MaxEmails = 32
	// MaxValueLength bounds the value of a multi-valued attribute element
	// (an email address, a phone number) and so a claim's value.
	MaxValueLength = 2048
	// MaxGroupDisplayNameLength bounds a group's spec.displayName.
	MaxGroupDisplayNameLength = 1024
	// MaxStatusRoles bounds the roles a user's status shows, so that what
	// status copies from spec stays small whatever spec holds (users
	// created by hand are not held to MaxSpecBytes).
	MaxStatusRoles = 64
	// MaxInvalidAttributes bounds status.invalidAttributes: phone numbers
	// and emails alone may report 64 values.
	MaxInvalidAttributes = 64
	// MaxRemovedFromGroups bounds status.removedFromGroups.
	MaxRemovedFromGroups = 256
	// MaxSpecBytes bounds an identity's spec as JSON: far below etcd's
	// 1.5 MiB object limit, so that a tenant's users fit in memory and
	// one identity cannot take a page of responses for itself.
	MaxSpecBytes = 64 << 10
)

// ClaimGrace is how long a ScimClaim whose holder does not hold its value
// is taken to belong to a write in flight (on another replica, perhaps).
// Past it the claim is left over from a write that failed: the SCIM server
// may take it over and the claim collector deletes it.
const ClaimGrace = 30 * time.Second

// DefaultTokenRotationGracePeriod is how long a replaced token keeps
// working when the tenant sets no grace period.
const DefaultTokenRotationGracePeriod = 5 * time.Minute

// TokenRotationGracePeriod is how long a replaced token keeps working.
func (t *ScimTenant) TokenRotationGracePeriod() time.Duration {
	if t.Spec.TokenRotationGracePeriod == nil {
		return DefaultTokenRotationGracePeriod
	}
	return t.Spec.TokenRotationGracePeriod.Duration
}

// GeneratesToken says whether the operator creates the tenant's token
// Secret when it does not exist.
func (t *ScimTenant) GeneratesToken() bool {
	return t.Spec.TokenSecretRef.Generate == nil || *t.Spec.TokenSecretRef.Generate
}

// TokenKey is the Secret key that holds the tenant's bearer token.
func (t *ScimTenant) TokenKey() string {
	if t.Spec.TokenSecretRef.Key == "" {
		return DefaultTokenSecretKey
	}
	return t.Spec.TokenSecretRef.Key
}

// Retention is how long the tenant keeps deactivated and deleted users.
func (t *ScimTenant) Retention() time.Duration {
	if t.Spec.SoftDeleteRetention == nil {
		return DefaultSoftDeleteRetention
	}
	return t.Spec.SoftDeleteRetention.Duration
}

// EndpointPath is the tenant's SCIM base path on the server.
func (t *ScimTenant) EndpointPath() string {
	return SCIMPathPrefix + "/" + t.Namespace + "/" + t.Name
}

// EndpointURL is the tenant's SCIM base URL: its own publicBaseURL, or
// serverBaseURL when it sets none.
func (t *ScimTenant) EndpointURL(serverBaseURL string) string {
	base := t.Spec.PublicBaseURL
	if base == "" {
		base = serverBaseURL
	}
	return strings.TrimRight(base, "/") + t.EndpointPath()
}

// IsActive reports whether the identity provider has the user active; an
// unset active means active (RFC 7643 leaves it to the provider).
func (u *ScimUser) IsActive() bool { return u.Spec.Active == nil || *u.Spec.Active }

// EmailOfRecord is the user's primary email, else its first work email,
// else its first email: the address status shows and adoption and manager
// resolution match on.
func (s *ScimUserSpec) EmailOfRecord() string {
	for _, e := range s.Emails {
		if e.Primary {
			return e.Value
		}
	}
	for _, e := range s.Emails {
		if strings.EqualFold(e.Type, "work") {
			return e.Value
		}
	}
	if len(s.Emails) > 0 {
		return s.Emails[0].Value
	}
	return ""
}
