package v1alpha1

import (
	"strings"
	"time"
)

// Labels and annotations the operator reads or writes.
const (
	// LabelTokenSecret marks Secrets that hold a tenant's bearer token. The
	// operator caches only Secrets carrying it, never every Secret in the
	// cluster, and adds it to the Secrets tenants reference.
	LabelTokenSecret = "scim.provisioning.io/token-secret"

	// LabelGroup names the ScimGroup a ScimGroupMemberSlice belongs to, so
	// that all of a group's slices can be listed or deleted at once.
	LabelGroup = "scim.provisioning.io/group"
)

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
