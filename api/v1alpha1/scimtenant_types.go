// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Tenant condition types and reasons.
const (
	// ConditionTokenReady reports whether the tenant's bearer token Secret
	// holds a usable token.
	ConditionTokenReady = "TokenReady"

	// ReasonTokenGenerated: the operator created the token Secret.
	ReasonTokenGenerated = "TokenGenerated"
	// ReasonTokenFound: the referenced Secret, provided by its owner, holds
	// a token.
	ReasonTokenFound = "TokenFound"
	// ReasonTokenKeyMissing: the referenced Secret exists but lacks the key.
	// ReasonTokenSecretNotOptedIn: the Secret was not created by the
	// operator and does not carry the token label; it is not used.
	ReasonTokenSecretNotOptedIn = "TokenSecretNotOptedIn"
	ReasonTokenKeyMissing       = "TokenKeyMissing"
	// ReasonTokenSecretMissing: the Secret does not exist and the tenant
	// asks for none to be generated; it is waiting for whoever manages it.
	ReasonTokenSecretMissing = "TokenSecretMissing"
	// ReasonTokenTooShort: the token in the Secret is too weak to accept.
	ReasonTokenTooShort = "TokenTooShort"
	// ReasonTenantReady: the endpoint is serving with a valid token.
	ReasonTenantReady = "EndpointServing"
	// ReasonTokenNotReady: Ready is false because the token is not usable.
	ReasonTokenNotReady = "TokenNotReady"

	// ConditionEndpointReady reports whether the tenant's endpoint has a
	// host identity providers can reach: the tenant's spec.publicBaseURL
	// or the operator's base URL.
	ConditionEndpointReady = "EndpointReady"
	// ReasonEndpointResolved: the endpoint has a host.
	ReasonEndpointResolved = "EndpointResolved"
	// ReasonNoBaseURL: neither the tenant nor the operator names a base
	// URL, so the endpoint and every meta.location are paths without a
	// host, which no identity provider can be configured with.
	ReasonNoBaseURL = "NoBaseURL"

	// DefaultTokenSecretKey is the Secret key read when the tenant names none.
	DefaultTokenSecretKey = "token"
)

// SecretKeyReference points at one key of a Secret in the tenant's namespace.
type SecretKeyReference struct {
	// name of the Secret in the tenant's namespace. If it does not exist, the
	// operator creates it with a freshly generated token, owned by the
	// tenant, unless generate is false.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`

	// key in the Secret's data that holds the bearer token.
	// +kubebuilder:default=token
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[-._a-zA-Z0-9]+$`
	// +optional
	Key string `json:"key,omitempty"`

	// generate says whether the operator creates the Secret, with a random
	// token, when it does not exist. Set it to false when a secrets
	// manager (External Secrets, sealed-secrets, SOPS) delivers the
	// Secret: the tenant then waits for it instead of racing it with a
	// Secret of its own.
	// +kubebuilder:default=true
	// +optional
	Generate *bool `json:"generate,omitempty"`
}

// ScimTenantSpec is one organisation's provisioning configuration.
// +kubebuilder:validation:XValidation:rule="!has(self.publicBaseURL) || self.publicBaseURL.startsWith('https://') || self.publicBaseURL.startsWith('http://')",message="publicBaseURL must be an http or https URL"
type ScimTenantSpec struct {
	// tokenSecretRef names the Secret key holding the bearer token the
	// identity provider presents. The token itself never appears in this
	// resource.
	TokenSecretRef SecretKeyReference `json:"tokenSecretRef"`

	// softDeleteRetention is how long a deactivated or deleted user's data is
	// kept before it is purged for good. Reactivating the user within this
	// time cancels the purge.
	// +kubebuilder:default="2160h"
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('0s')",message="softDeleteRetention must not be negative"
	// +optional
	SoftDeleteRetention *metav1.Duration `json:"softDeleteRetention,omitempty"`

	// tokenRotationGracePeriod is how long the previous token keeps working
	// after the token in the Secret changes, so that an identity provider's
	// requests in flight during a rotation still succeed.
	// +kubebuilder:default="5m"
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('0s')",message="tokenRotationGracePeriod must not be negative"
	// +optional
	TokenRotationGracePeriod *metav1.Duration `json:"tokenRotationGracePeriod,omitempty"`

	// defaultRole is given to users the identity provider sends without any
	// role.
	// +kubebuilder:validation:MaxLength=256
	// +optional
	DefaultRole string `json:"defaultRole,omitempty"`

	// adoptManualUsersBy says what a user created by hand must share with
	// a user the identity provider creates for SCIM to take it over
	// instead of creating a second one: its userName, the email of record,
	// or either. An empty list adopts no one. A user annotated
	// scim.provisioning.io/never-adopt=true is never adopted. Adoption keeps
	// every attribute the identity provider does not send.
	// +kubebuilder:default={UserName}
	// +kubebuilder:validation:MaxItems=2
	// +listType=set
	// +optional
	AdoptManualUsersBy []AdoptionMatch `json:"adoptManualUsersBy,omitempty"`

	// restoreDeletedBy says what a user the identity provider creates must
	// share with a user it deleted, still retained, for the create to
	// restore that user (with its id and data) instead of making a new
	// one: its externalId (the identity provider's immutable key; the
	// default), or its userName, for identity providers that send no
	// externalId and tenants whose userNames are never given to another
	// person. With both, externalId is tried first. An empty list restores
	// no one: every create makes a new user.
	// +kubebuilder:default={ExternalId}
	// +kubebuilder:validation:MaxItems=2
	// +listType=set
	// +optional
	RestoreDeletedBy []RestoreMatch `json:"restoreDeletedBy,omitempty"`

	// emailUniqueness says whether two live users (active or deactivated)
	// may have the same email of record: the primary email, else the
	// first work email, else the first, compared case-insensitively.
	// None, the default, stores both, as directories hold shared
	// addresses (an admin account beside the person's own, a shared
	// mailbox, a rehire beside the deactivated account), and reports
	// each: the EmailShared condition on the users, a Warning Event,
	// status.users.sharingEmail and a metric. EmailOfRecord refuses a
	// create or change that takes an address another live user has, with
	// 409 uniqueness naming that user, for applications that key people
	// by email. Turning it on refuses new duplicates only; those stored
	// before stay reported until they are resolved.
	// +kubebuilder:validation:Enum=None;EmailOfRecord
	// +kubebuilder:default=None
	// +optional
	EmailUniqueness EmailUniqueness `json:"emailUniqueness,omitempty"`

	// rateLimit overrides, for this tenant, the SCIM server's request
	// limits (--scim-tenant-rate, --scim-tenant-burst and
	// --scim-tenant-concurrency): a directory of 100,000 people and one of
	// 50 differ. Fields left out keep the server's. status.limits shows
	// what applies.
	// +optional
	RateLimit *RateLimit `json:"rateLimit,omitempty"`

	// limits bound what the identity provider may create in the tenant.
	// Fields left out bound nothing.
	// +optional
	Limits *TenantLimits `json:"limits,omitempty"`

	// defaultPhoneRegion is the ISO 3166-1 alpha-2 region (e.g. "US",
	// "FI") in which phone numbers without a country code are read when
	// they are normalised to E.164 in users' status. Numbers are stored as
	// the identity provider sends them whatever this says.
	// +kubebuilder:validation:Pattern=`^[A-Z]{2}$`
	// +optional
	DefaultPhoneRegion string `json:"defaultPhoneRegion,omitempty"`

	// schemaExtensions are the tenant's own User schema extensions: the
	// custom attributes its identity provider sends (an Okta or Entra
	// admin's extension attributes). They are served at /Schemas and
	// /ResourceTypes, stored on each user under spec.extensions, and
	// filtered and patched like the built-in ones. An extension or
	// attribute not declared here is refused with 400 invalidSyntax
	// rather than dropped.
	// +kubebuilder:validation:MaxItems=16
	// +listType=map
	// +listMapKey=urn
	// +optional
	SchemaExtensions []SchemaExtension `json:"schemaExtensions,omitempty"`

	// publicBaseURL is the externally reachable base URL of the SCIM server
	// (for example the ingress host, "https://scim.example.com"). The tenant's
	// endpoint is this URL followed by /scim/v2/<namespace>/<name>. When
	// empty, the operator's configured base URL is used.
	// +kubebuilder:validation:MaxLength=2048
	// +optional
	PublicBaseURL string `json:"publicBaseURL,omitempty"`
}

// SchemaExtension is a User schema extension a tenant declares.
type SchemaExtension struct {
	// urn is the extension's schema URN, the key its attributes are sent
	// under, e.g. "urn:ietf:params:scim:schemas:extension:acme:2.0:User".
	// +kubebuilder:validation:MinLength=5
	// +kubebuilder:validation:MaxLength=256
	// +kubebuilder:validation:Pattern=`^urn:[A-Za-z0-9][A-Za-z0-9-]{0,31}:[A-Za-z0-9()+,\-.:=@;$_!*'%/?#]+$`
	// +kubebuilder:validation:XValidation:rule="!(self.lowerAscii() in ['urn:ietf:params:scim:schemas:core:2.0:user','urn:ietf:params:scim:schemas:extension:enterprise:2.0:user','urn:ietf:params:scim:schemas:extension:hoxhunt:2.0:user'])",message="urn names a schema the server defines itself"
	URN string `json:"urn"`

	// name is the extension's human-readable name.
	// +kubebuilder:validation:MaxLength=256
	// +optional
	Name string `json:"name,omitempty"`

	// description says what the extension holds.
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	Description string `json:"description,omitempty"`

	// attributes are the extension's attributes.
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=64
	// +listType=map
	// +listMapKey=name
	Attributes []ExtensionAttribute `json:"attributes"`
}

// ExtensionAttributeType is the data type of an extension attribute (RFC
// 7643 section 2.3).
// +kubebuilder:validation:Enum=string;boolean;integer;decimal;dateTime;reference
type ExtensionAttributeType string

// ExtensionAttribute is one attribute of a tenant's schema extension.
type ExtensionAttribute struct {
	// name is the attribute's name (RFC 7643 ATTRNAME), matched
	// case-insensitively as SCIM matches names.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	// +kubebuilder:validation:Pattern=`^[A-Za-z][A-Za-z0-9_-]*$`
	Name string `json:"name"`

	// type is the attribute's data type.
	// +kubebuilder:default=string
	// +optional
	Type ExtensionAttributeType `json:"type,omitempty"`

	// multiValued attributes hold a list of values.
	// +optional
	MultiValued bool `json:"multiValued,omitempty"`

	// caseExact string attributes are compared case-sensitively in
	// filters.
	// +optional
	CaseExact bool `json:"caseExact,omitempty"`

	// uniqueness is declared at /Schemas. Only "none" is offered: the
	// server keeps userName (and, where the tenant chooses, the email of
	// record) unique, not extension attributes.
	// +kubebuilder:validation:Enum=none
	// +kubebuilder:default=none
	// +optional
	Uniqueness string `json:"uniqueness,omitempty"`

	// description says what the attribute holds.
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	Description string `json:"description,omitempty"`
}

// AdoptionMatch is what a user created by hand and a user the identity
// provider creates must share for SCIM to adopt the former.
// +kubebuilder:validation:Enum=UserName;Email
type AdoptionMatch string

// What adoption matches on.
const (
	// AdoptByUserName matches the userName, case-insensitively.
	AdoptByUserName AdoptionMatch = "UserName"
	// AdoptByEmail matches the email of record, case-insensitively.
	AdoptByEmail AdoptionMatch = "Email"
)

// RateLimit is a tenant's request limits.
type RateLimit struct {
	// requestsPerSecond is the tenant's sustained request rate, the refill
	// of a token bucket; requests beyond it get 429 with Retry-After.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=100000
	// +optional
	RequestsPerSecond *int32 `json:"requestsPerSecond,omitempty"`

	// burst is how many requests the tenant may send at once above its
	// rate.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=100000
	// +optional
	Burst *int32 `json:"burst,omitempty"`

	// maxInFlight bounds the tenant's requests handled at once by one
	// replica of the SCIM server; one more waits briefly, then gets 429.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1024
	// +optional
	MaxInFlight *int32 `json:"maxInFlight,omitempty"`
}

// TenantLimits bound what a tenant holds.
type TenantLimits struct {
	// maxUsers bounds the tenant's users the identity provider sees
	// (active and deactivated; deleted ones retained until their purge,
	// and users created by hand, are not counted). A create past it gets
	// 403 naming this field; nothing is written.
	// +kubebuilder:validation:Minimum=1
	// +optional
	MaxUsers *int32 `json:"maxUsers,omitempty"`

	// maxGroups bounds the tenant's groups the identity provider sees. A
	// create past it gets 403 naming this field; nothing is written.
	// +kubebuilder:validation:Minimum=1
	// +optional
	MaxGroups *int32 `json:"maxGroups,omitempty"`
}

// EffectiveLimits are the limits that apply to a tenant: its spec over
// the SCIM server's defaults.
type EffectiveLimits struct {
	// requestsPerSecond, burst and maxInFlight are the request limits
	// each replica of the SCIM server applies to the tenant.
	RequestsPerSecond int32 `json:"requestsPerSecond"`
	Burst             int32 `json:"burst"`
	MaxInFlight       int32 `json:"maxInFlight"`
	// maxUsers and maxGroups are unset where nothing bounds them.
	// +optional
	MaxUsers *int32 `json:"maxUsers,omitempty"`
	// +optional
	MaxGroups *int32 `json:"maxGroups,omitempty"`
}

// EmailUniqueness is whether a tenant's users may share an email of
// record.
type EmailUniqueness string

// Email uniqueness policies.
const (
	// EmailUniquenessNone stores shared addresses and reports them.
	EmailUniquenessNone EmailUniqueness = "None"
	// EmailUniquenessEmailOfRecord refuses a user whose email of record
	// another live user has.
	EmailUniquenessEmailOfRecord EmailUniqueness = "EmailOfRecord"
)

// RestoreMatch is what a created user and a retained deleted user must
// share for the create to restore the latter.
// +kubebuilder:validation:Enum=ExternalId;UserName
type RestoreMatch string

// What a restore matches on.
const (
	// RestoreByExternalID matches the externalId, exactly.
	RestoreByExternalID RestoreMatch = "ExternalId"
	// RestoreByUserName matches the userName, case-insensitively.
	RestoreByUserName RestoreMatch = "UserName"
)

// ScimTenantStatus is the observed state of a tenant.
type ScimTenantStatus struct {
	// endpoint is the SCIM base URL to paste into the identity provider.
	// +optional
	Endpoint string `json:"endpoint,omitempty"`

	// conditions: Ready summarises; TokenReady reports on the bearer token,
	// EndpointReady on whether the endpoint has a host.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// users counts the tenant's users by lifecycle phase.
	// +optional
	Users UserCounts `json:"users,omitempty"`

	// groups is the number of the tenant's groups.
	// +optional
	Groups int32 `json:"groups"`

	// tokenObservedAt is when the operator first saw the token now in the
	// Secret: the token's age. It is unset while no token is usable.
	// +optional
	TokenObservedAt *metav1.Time `json:"tokenObservedAt,omitempty"`

	// previousTokenExpiresAt is when the token that was replaced last stops
	// being accepted.
	// +optional
	PreviousTokenExpiresAt *metav1.Time `json:"previousTokenExpiresAt,omitempty"`

	// limits are the limits that apply to the tenant: spec.rateLimit and
	// spec.limits over the SCIM server's defaults.
	// +optional
	Limits *EffectiveLimits `json:"limits,omitempty"`

	// observedGeneration is the spec generation this status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
}

// UserCounts counts a tenant's users by lifecycle phase.
type UserCounts struct {
	// active users the identity provider manages.
	// +optional
	Active int32 `json:"active"`
	// inactive (soft-deleted) users the identity provider manages, still
	// visible over SCIM.
	// +optional
	Inactive int32 `json:"inactive"`
	// pendingPurge counts deleted users the identity provider managed
	// (deleted over SCIM or with kubectl) whose data is retained until
	// their purge time.
	// +optional
	PendingPurge int32 `json:"pendingPurge"`
	// manual counts users created by hand (managedBy Manual), whatever
	// their phase: SCIM does not see them, so the phases leave them out.
	// +optional
	Manual int32 `json:"manual"`
	// withInvalidAttributes counts users, active or inactive, with
	// attribute values that could not be normalised (label
	// scim.provisioning.io/attributes-invalid).
	// +optional
	WithInvalidAttributes int32 `json:"withInvalidAttributes"`
	// sharingEmail counts live users whose email of record another live
	// user of the tenant has too (condition EmailShared).
	// +optional
	SharingEmail int32 `json:"sharingEmail"`
}

// ScimTenant is one organisation's SCIM provisioning endpoint: where its
// bearer token lives and how long deleted users are retained.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=stenant;scimt,categories=scim
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Endpoint",type=string,JSONPath=`.status.endpoint`
// +kubebuilder:printcolumn:name="Active",type=integer,JSONPath=`.status.users.active`
// +kubebuilder:printcolumn:name="Manual",type=integer,JSONPath=`.status.users.manual`,priority=1
// +kubebuilder:printcolumn:name="Inactive",type=integer,JSONPath=`.status.users.inactive`,priority=1
// +kubebuilder:printcolumn:name="Groups",type=integer,JSONPath=`.status.groups`
// +kubebuilder:printcolumn:name="Invalid-Attrs",type=integer,JSONPath=`.status.users.withInvalidAttributes`,priority=1
// +kubebuilder:printcolumn:name="Shared-Email",type=integer,JSONPath=`.status.users.sharingEmail`,priority=1
// +kubebuilder:printcolumn:name="Rate",type=integer,JSONPath=`.status.limits.requestsPerSecond`,priority=1
// +kubebuilder:printcolumn:name="In-Flight",type=integer,JSONPath=`.status.limits.maxInFlight`,priority=1
// +kubebuilder:printcolumn:name="Max-Users",type=integer,JSONPath=`.status.limits.maxUsers`,priority=1
// +kubebuilder:printcolumn:name="Retention",type=string,JSONPath=`.spec.softDeleteRetention`,priority=1
// +kubebuilder:printcolumn:name="Token-Age",type=date,JSONPath=`.status.tokenObservedAt`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type ScimTenant struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   ScimTenantSpec   `json:"spec"`
	Status ScimTenantStatus `json:"status,omitempty"`
}

// ScimTenantList is a list of ScimTenants.
// +kubebuilder:object:root=true
type ScimTenantList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ScimTenant `json:"items"`
}

func init() {
	knownTypes = append(knownTypes, &ScimTenant{}, &ScimTenantList{})
}
