// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// ManagedBy says who owns an identity's lifecycle.
// +kubebuilder:validation:Enum=SCIM;Manual
type ManagedBy string

const (
	// ManagedBySCIM marks identities provisioned by an identity provider over
	// SCIM; the provider may change, deactivate and delete them.
	ManagedBySCIM ManagedBy = "SCIM"
	// ManagedByManual marks identities created by hand (kubectl, GitOps);
	// SCIM never deactivates or deletes them on its own.
	ManagedByManual ManagedBy = "Manual"
)

// UserPhase is where a user is in its lifecycle.
// +kubebuilder:validation:Enum=Active;Inactive;Deleted
type UserPhase string

// LanguageSource is where a user's effective language comes from.
// +kubebuilder:validation:Enum=IdentityProvider;Override
type LanguageSource string

// Language sources.
const (
	LanguageFromIdentityProvider LanguageSource = "IdentityProvider"
	LanguageFromOverride         LanguageSource = "Override"
)

// User condition types and reasons.
const (
	// ConditionManagerResolved reports whether the user's manager, when it
	// has one, was found.
	ConditionManagerResolved = "ManagerResolved"
	// ReasonManagerFound: the manager value names a user of the tenant.
	ReasonManagerFound = "ManagerFound"
	// ReasonManagerNotResolved: Ready is false because the manager the
	// identity provider names is not a user of the tenant yet.
	ReasonManagerNotResolved = "ManagerNotResolved"
	// ReasonDetaching: Ready is false while a deleted user's memberships
	// and unique values are being released.
	ReasonDetaching = "Detaching"
	// ReasonManagerNotFound: no user of the tenant has that id or email
	// yet; it resolves when one appears.
	ReasonManagerNotFound = "ManagerNotFound"
	// ReasonManagerAmbiguous: more than one user of the tenant has that
	// userName or email, and the manager is none of them rather than
	// an arbitrary one; the message names them.
	ReasonManagerAmbiguous = "ManagerAmbiguous"

	// ConditionEmailShared reports, for a live user with an email of
	// record, whether another live user of the tenant has the same one.
	// It is a report, not a fault: the user is stored and Ready all the
	// same (see the tenant's spec.emailUniqueness).
	ConditionEmailShared = "EmailShared"
	// ReasonEmailSharedWithOthers: the message names the other users.
	ReasonEmailSharedWithOthers = "SharedWithOtherUsers"
	// ReasonEmailNotShared: no other live user has the address.
	ReasonEmailNotShared = "NotShared"

	// ConditionAttributesValid reports whether every attribute value the
	// identity provider sent could be read and normalised into status.
	// Values that could not are stored as sent all the same.
	ConditionAttributesValid = "AttributesValid"
	// ReasonAttributesNormalized: every value was read.
	ReasonAttributesNormalized = "Normalized"
	// ReasonAttributesNotNormalized: some values could not be read; the
	// message and status.invalidAttributes name them, never their values.
	ReasonAttributesNotNormalized = "NotNormalized"
)

const (
	// UserPhaseActive users are active in the identity provider.
	UserPhaseActive UserPhase = "Active"
	// UserPhaseInactive users were deactivated (soft-deleted). They stay
	// visible over SCIM with active=false until their purge time.
	UserPhaseInactive UserPhase = "Inactive"
	// UserPhaseDeleted users were deleted over SCIM or with kubectl. They are
	// gone for SCIM, but their data is retained until their purge time.
	UserPhaseDeleted UserPhase = "Deleted"
)

// Name is the components of a user's name (RFC 7643 section 4.1.1).
type Name struct {
	// formatted is the full name for display, e.g. "Ms. Barbara J Jensen, III".
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	Formatted string `json:"formatted,omitempty"`
	// familyName is the family (last) name.
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	FamilyName string `json:"familyName,omitempty"`
	// givenName is the given (first) name.
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	GivenName string `json:"givenName,omitempty"`
	// middleName is the middle name(s).
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	MiddleName string `json:"middleName,omitempty"`
	// honorificPrefix is a title before the name, e.g. "Ms.".
	// +kubebuilder:validation:MaxLength=256
	// +optional
	HonorificPrefix string `json:"honorificPrefix,omitempty"`
	// honorificSuffix is a suffix after the name, e.g. "III".
	// +kubebuilder:validation:MaxLength=256
	// +optional
	HonorificSuffix string `json:"honorificSuffix,omitempty"`
}

// MultiValuedAttribute is one value of a SCIM multi-valued attribute such as
// emails, phoneNumbers, ims, photos, roles or entitlements
// (RFC 7643 section 2.4).
type MultiValuedAttribute struct {
	// value is the attribute's value, e.g. an email address or phone number,
	// stored exactly as the identity provider sent it.
	// +kubebuilder:validation:MaxLength=2048
	// +optional
	Value string `json:"value,omitempty"`
	// display is a human-readable label for the value.
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	Display string `json:"display,omitempty"`
	// type is the value's label, e.g. "work" or "home".
	// +kubebuilder:validation:MaxLength=256
	// +optional
	Type string `json:"type,omitempty"`
	// primary marks the preferred value of the attribute; at most one value
	// may be primary.
	// +optional
	Primary bool `json:"primary,omitempty"`
}

// Address is a physical mailing address (RFC 7643 section 4.1.2).
type Address struct {
	// formatted is the full address for display.
	// +kubebuilder:validation:MaxLength=2048
	// +optional
	Formatted string `json:"formatted,omitempty"`
	// streetAddress is the street, house number and so on.
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	StreetAddress string `json:"streetAddress,omitempty"`
	// locality is the city.
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	Locality string `json:"locality,omitempty"`
	// region is the state or region.
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	Region string `json:"region,omitempty"`
	// postalCode is the zip or postal code.
	// +kubebuilder:validation:MaxLength=256
	// +optional
	PostalCode string `json:"postalCode,omitempty"`
	// country is the country, as the identity provider sends it (usually an
	// ISO 3166-1 alpha-2 code).
	// +kubebuilder:validation:MaxLength=256
	// +optional
	Country string `json:"country,omitempty"`
	// type is the address's label, e.g. "work" or "home".
	// +kubebuilder:validation:MaxLength=256
	// +optional
	Type string `json:"type,omitempty"`
	// primary marks the preferred address; at most one may be primary.
	// +optional
	Primary bool `json:"primary,omitempty"`
}

// Manager is a reference to a user's manager (RFC 7643 section 4.3).
type Manager struct {
	// value identifies the manager: the manager's SCIM id or, as some
	// identity providers send it, the manager's email address.
	// +kubebuilder:validation:MaxLength=2048
	// +optional
	Value string `json:"value,omitempty"`
	// ref is the URI of the manager's SCIM resource ("$ref" in SCIM).
	// +kubebuilder:validation:MaxLength=2048
	// +optional
	Ref string `json:"ref,omitempty"`
	// displayName is the manager's display name.
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	DisplayName string `json:"displayName,omitempty"`
}

// EnterpriseUser holds the attributes of the enterprise user extension
// (urn:ietf:params:scim:schemas:extension:enterprise:2.0:User,
// RFC 7643 section 4.3).
type EnterpriseUser struct {
	// employeeNumber is the organisation's identifier for the user.
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	EmployeeNumber string `json:"employeeNumber,omitempty"`
	// costCenter is the user's cost center.
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	CostCenter string `json:"costCenter,omitempty"`
	// organization is the user's organisation.
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	Organization string `json:"organization,omitempty"`
	// division is the user's division (a site, for some organisations).
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	Division string `json:"division,omitempty"`
	// department is the user's department.
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	Department string `json:"department,omitempty"`
	// manager is the user's manager.
	// +optional
	Manager *Manager `json:"manager,omitempty"`
}

// HoxhuntUser holds the attributes of the
// urn:ietf:params:scim:schemas:extension:hoxhunt:2.0:User extension.
type HoxhuntUser struct {
	// microsoftEntraObjectId is the user's object id in Microsoft Entra ID.
	// +kubebuilder:validation:MaxLength=256
	// +optional
	MicrosoftEntraObjectID string `json:"microsoftEntraObjectId,omitempty"`
	// disableThreatUpload, when true, keeps the user's threat reports from
	// being uploaded.
	// +optional
	DisableThreatUpload *bool `json:"disableThreatUpload,omitempty"`
	// employmentStart is the day the user's employment started, as the
	// identity provider sends it: YYYY-MM-DD, or a date-time. The date
	// alone is in status.employmentStart.
	// +kubebuilder:validation:MaxLength=64
	// +optional
	EmploymentStart string `json:"employmentStart,omitempty"`
	// customAttribute1 is free-form data from the identity provider.
	// +kubebuilder:validation:MaxLength=2048
	// +optional
	CustomAttribute1 string `json:"customAttribute1,omitempty"`
	// customAttribute2 is free-form data from the identity provider.
	// +kubebuilder:validation:MaxLength=2048
	// +optional
	CustomAttribute2 string `json:"customAttribute2,omitempty"`
	// customAttribute3 is free-form data from the identity provider.
	// +kubebuilder:validation:MaxLength=2048
	// +optional
	CustomAttribute3 string `json:"customAttribute3,omitempty"`
	// customAttribute4 is free-form data from the identity provider.
	// +kubebuilder:validation:MaxLength=2048
	// +optional
	CustomAttribute4 string `json:"customAttribute4,omitempty"`
	// customAttribute5 is free-form data from the identity provider.
	// +kubebuilder:validation:MaxLength=2048
	// +optional
	CustomAttribute5 string `json:"customAttribute5,omitempty"`
	// customAttribute6 is free-form data from the identity provider.
	// +kubebuilder:validation:MaxLength=2048
	// +optional
	CustomAttribute6 string `json:"customAttribute6,omitempty"`
	// customAttribute7 is free-form data from the identity provider.
	// +kubebuilder:validation:MaxLength=2048
	// +optional
	CustomAttribute7 string `json:"customAttribute7,omitempty"`
	// customAttribute8 is free-form data from the identity provider.
	// +kubebuilder:validation:MaxLength=2048
	// +optional
	CustomAttribute8 string `json:"customAttribute8,omitempty"`
	// customAttribute9 is free-form data from the identity provider.
	// +kubebuilder:validation:MaxLength=2048
	// +optional
	CustomAttribute9 string `json:"customAttribute9,omitempty"`
	// customAttribute10 is free-form data from the identity provider.
	// +kubebuilder:validation:MaxLength=2048
	// +optional
	CustomAttribute10 string `json:"customAttribute10,omitempty"`
}

// ScimUserSpec is a user as the identity provider (or a person, for manually
// managed users) describes it. Field names follow the SCIM core User schema
// (RFC 7643 section 4.1); the SCIM id is the object's name.
type ScimUserSpec struct {
	// tenantRef is the tenant that provisions this user. Immutable.
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="tenantRef is immutable: a user cannot move between tenants"
	TenantRef TenantReference `json:"tenantRef"`

	// managedBy says who owns this user's lifecycle: "SCIM" for users an
	// identity provider provisioned, "Manual" for users created by hand,
	// which SCIM never deactivates or deletes on its own.
	// +kubebuilder:default=Manual
	// +optional
	ManagedBy ManagedBy `json:"managedBy,omitempty"`

	// userName is the unique identifier the identity provider matches the
	// user by, usually an email address or UPN. Unique within the tenant,
	// compared case-insensitively.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=512
	// +kubebuilder:validation:XValidation:rule="self.trim().size() > 0",message="userName must not be blank"
	UserName string `json:"userName"`

	// externalId is the identity provider's own identifier for the user.
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	ExternalID string `json:"externalId,omitempty"`

	// active is false for users deactivated (soft-deleted) in the identity
	// provider; their data is purged after the tenant's retention unless
	// they are reactivated first.
	// +kubebuilder:default=true
	// +optional
	Active *bool `json:"active,omitempty"`

	// name is the components of the user's real name.
	// +optional
	Name *Name `json:"name,omitempty"`

	// displayName is the name to show for the user.
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	DisplayName string `json:"displayName,omitempty"`

	// nickName is the casual way to address the user.
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	NickName string `json:"nickName,omitempty"`

	// profileUrl is a URL of the user's online profile.
	// +kubebuilder:validation:MaxLength=2048
	// +optional
	ProfileURL string `json:"profileUrl,omitempty"`

	// title is the user's job title, e.g. "Vice President".
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	Title string `json:"title,omitempty"`

	// userType is the user's relation to the organisation, e.g. "Employee".
	// +kubebuilder:validation:MaxLength=256
	// +optional
	UserType string `json:"userType,omitempty"`

	// preferredLanguage is the user's preferred language as the identity
	// provider sends it: a BCP 47 tag ("fi", "en-US", "zh-Hant-TW"), with
	// underscores ("en_US"), or an Accept-Language list. status.language
	// has its ISO 639-1 base.
	// +kubebuilder:validation:MaxLength=64
	// +optional
	PreferredLanguage string `json:"preferredLanguage,omitempty"`

	// languageOverride is a language chosen by hand, by a platform team or
	// an application. It is the user's effective language until the
	// identity provider sends a preferredLanguage different from the one it
	// sent before. Not a SCIM attribute. A language tag whose language is
	// an ISO 639-1 code ("fi", "pt-BR"), or a three-letter ISO 639 code for
	// a language that has no two-letter one ("fil").
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^[a-zA-Z]{2,3}([-_][a-zA-Z0-9]{1,8})*$`
	// +kubebuilder:validation:XValidation:rule="self.split('-')[0].split('_')[0].size() == 3 || self.split('-')[0].split('_')[0].lowerAscii() in ['aa','ab','ae','af','ak','am','an','ar','as','av','ay','az','ba','be','bg','bh','bi','bm','bn','bo','br','bs','ca','ce','ch','co','cr','cs','cu','cv','cy','da','de','dv','dz','ee','el','en','eo','es','et','eu','fa','ff','fi','fj','fo','fr','fy','ga','gd','gl','gn','gu','gv','ha','he','hi','ho','hr','ht','hu','hy','hz','ia','id','ie','ig','ii','ik','io','is','it','iu','ja','jv','ka','kg','ki','kj','kk','kl','km','kn','ko','kr','ks','ku','kv','kw','ky','la','lb','lg','li','ln','lo','lt','lu','lv','mg','mh','mi','mk','ml','mn','mr','ms','mt','my','na','nb','nd','ne','ng','nl','nn','no','nr','nv','ny','oc','oj','om','or','os','pa','pi','pl','ps','pt','qu','rm','rn','ro','ru','rw','sa','sc','sd','se','sg','si','sk','sl','sm','sn','so','sq','sr','ss','st','su','sv','sw','ta','te','tg','th','ti','tk','tl','tn','to','tr','ts','tt','tw','ty','ug','uk','ur','uz','ve','vi','vo','wa','wo','xh','yi','yo','za','zh','zu']",message="languageOverride must start with an ISO 639-1 language code, e.g. \"fi\" or \"en-US\""
	// +optional
	LanguageOverride string `json:"languageOverride,omitempty"`

	// locale is the user's locale for formatting, e.g. "en-US".
	// +kubebuilder:validation:MaxLength=64
	// +optional
	Locale string `json:"locale,omitempty"`

	// timezone is the user's IANA time zone, e.g. "Europe/Helsinki".
	// +kubebuilder:validation:MaxLength=128
	// +optional
	Timezone string `json:"timezone,omitempty"`

	// emails are the user's email addresses, stored as sent. The email of
	// record (status.email) is unique within the tenant; other addresses,
	// such as a home address shared by a family, may repeat.
	// +kubebuilder:validation:MaxItems=32
	// +kubebuilder:validation:XValidation:rule="self.filter(e, has(e.primary) && e.primary).size() <= 1",message="at most one email may be primary"
	// +listType=atomic
	// +optional
	Emails []MultiValuedAttribute `json:"emails,omitempty"`

	// phoneNumbers are the user's phone numbers as the identity provider
	// sends them: E.164, RFC 3966 (tel:) or a national format.
	// status.phoneNumbers has them in E.164.
	// +kubebuilder:validation:MaxItems=32
	// +kubebuilder:validation:XValidation:rule="self.filter(e, has(e.primary) && e.primary).size() <= 1",message="at most one phone number may be primary"
	// +listType=atomic
	// +optional
	PhoneNumbers []MultiValuedAttribute `json:"phoneNumbers,omitempty"`

	// ims are the user's instant messaging addresses.
	// +kubebuilder:validation:MaxItems=32
	// +listType=atomic
	// +optional
	Ims []MultiValuedAttribute `json:"ims,omitempty"`

	// photos are URLs of images of the user.
	// +kubebuilder:validation:MaxItems=32
	// +listType=atomic
	// +optional
	Photos []MultiValuedAttribute `json:"photos,omitempty"`

	// addresses are the user's physical addresses; the work address carries
	// the user's country and city.
	// +kubebuilder:validation:MaxItems=32
	// +kubebuilder:validation:XValidation:rule="self.filter(e, has(e.primary) && e.primary).size() <= 1",message="at most one address may be primary"
	// +listType=atomic
	// +optional
	Addresses []Address `json:"addresses,omitempty"`

	// entitlements are things the user has a right to.
	// +kubebuilder:validation:MaxItems=256
	// +listType=atomic
	// +optional
	Entitlements []MultiValuedAttribute `json:"entitlements,omitempty"`

	// roles are the user's roles. A user without any gets the tenant's
	// default role.
	// +kubebuilder:validation:MaxItems=256
	// +listType=atomic
	// +optional
	Roles []MultiValuedAttribute `json:"roles,omitempty"`

	// x509Certificates are the user's certificates, base64 DER.
	// +kubebuilder:validation:MaxItems=16
	// +listType=atomic
	// +optional
	X509Certificates []MultiValuedAttribute `json:"x509Certificates,omitempty"`

	// enterprise holds the enterprise user extension attributes.
	// +optional
	Enterprise *EnterpriseUser `json:"enterprise,omitempty"`

	// hoxhunt holds the hoxhunt user extension attributes.
	// +optional
	Hoxhunt *HoxhuntUser `json:"hoxhunt,omitempty"`

	// extensions holds the attributes of the schema extensions the tenant
	// declares (spec.schemaExtensions of its ScimTenant), by extension
	// URN, as the identity provider sent them.
	// +kubebuilder:validation:MaxProperties=16
	// +optional
	Extensions map[string]runtime.RawExtension `json:"extensions,omitempty"`
}

// ScimUserStatus is the observed lifecycle state of a user.
type ScimUserStatus struct {
	// phase is where the user is in its lifecycle: Active, Inactive
	// (deactivated, still visible over SCIM) or Deleted (gone for SCIM, data
	// retained until purgeAt).
	// +optional
	Phase UserPhase `json:"phase,omitempty"`

	// deactivatedAt is when the user was deactivated.
	// +optional
	DeactivatedAt *metav1.Time `json:"deactivatedAt,omitempty"`

	// deletedAt is when the user was deleted over SCIM or with kubectl.
	// +optional
	DeletedAt *metav1.Time `json:"deletedAt,omitempty"`

	// purgeAt is when the user's data will be removed for good, unless the
	// user is reactivated or restored first.
	// +optional
	PurgeAt *metav1.Time `json:"purgeAt,omitempty"`

	// email is the user's email of record: the primary email, else the
	// first work email, else the first email.
	// +optional
	Email string `json:"email,omitempty"`

	// roles are the user's effective roles: its own, or the tenant's default
	// role when it has none; at most the first 64, so that status stays
	// small whatever spec holds.
	// +kubebuilder:validation:MaxItems=64
	// +optional
	Roles []string `json:"roles,omitempty"`

	// language is the user's effective language: the identity provider's
	// preferredLanguage, or spec.languageOverride when that was chosen
	// after the identity provider last changed its value.
	// +optional
	Language string `json:"language,omitempty"`

	// languageSource says where the effective language comes from.
	// +optional
	LanguageSource LanguageSource `json:"languageSource,omitempty"`

	// observedPreferredLanguage and observedLanguageOverride are the values
	// the effective language was last decided from, to tell which changed.
	// +optional
	ObservedPreferredLanguage string `json:"observedPreferredLanguage,omitempty"`
	// +optional
	ObservedLanguageOverride string `json:"observedLanguageOverride,omitempty"`

	// phoneNumbers are the user's valid phone numbers in E.164 form, read
	// in the tenant's defaultPhoneRegion when they have no country code.
	// +kubebuilder:validation:MaxItems=32
	// +listType=atomic
	// +optional
	PhoneNumbers []PhoneNumber `json:"phoneNumbers,omitempty"`

	// employmentStart is the date of spec.hoxhunt.employmentStart,
	// YYYY-MM-DD.
	// +optional
	EmploymentStart string `json:"employmentStart,omitempty"`

	// invalidAttributes names the attribute values that could not be read
	// or normalised (e.g. `phoneNumbers[type eq "work"]`), never the values
	// themselves. They are stored as sent; see the AttributesValid condition.
	// +kubebuilder:validation:MaxItems=64
	// +listType=atomic
	// +optional
	InvalidAttributes []string `json:"invalidAttributes,omitempty"`

	// removedFromGroups are the groups (ScimGroup names, at most 256) the
	// user was a member of when it was deleted: deletion removes its
	// memberships at once, so that no access outlives it. Kept for audit
	// and for a restore by hand until the user is live again.
	// +kubebuilder:validation:MaxItems=256
	// +listType=atomic
	// +optional
	RemovedFromGroups []string `json:"removedFromGroups,omitempty"`

	// manager is the ScimUser that spec.enterprise.manager.value resolves
	// to: by SCIM id, else by userName, else by email address, and only
	// where one user matches. See the ManagerResolved condition when it
	// does not resolve.
	// +optional
	Manager string `json:"manager,omitempty"`

	// managerResolvedFrom is the manager value status.manager was
	// resolved from. While the identity provider sends that value and
	// that user is live (not deleted), the manager stays that user, even
	// when another user later takes the userName or email it was found by.
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	ManagerResolvedFrom string `json:"managerResolvedFrom,omitempty"`

	// lastProvisioning is the last change the identity provider made to
	// the user: what, when, and the request id its provisioning log
	// shows. It outlives the Events, which the API server keeps for about
	// an hour.
	// +optional
	LastProvisioning *ProvisioningAction `json:"lastProvisioning,omitempty"`

	// conditions report on the user's reconciliation: Ready summarises
	// (status normalised, manager resolved, purge scheduled where due);
	// AttributesValid and ManagerResolved say what is wrong; EmailShared
	// reports other live users with the same email of record.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// observedGeneration is the spec generation this status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
}

// ProvisioningAction is one change an identity provider made.
type ProvisioningAction struct {
	// action is what was done, as the Event's reason: UserCreated,
	// UserUpdated, UserDeactivated, UserReactivated, UserDeleted,
	// UserRestored or UserAdopted.
	// +kubebuilder:validation:MaxLength=64
	Action string `json:"action"`
	// at is when.
	// +optional
	At *metav1.Time `json:"at,omitempty"`
	// requestID is the request that did it: the identity provider's
	// X-Request-Id when it sent one, else the one the server made up and
	// answered with.
	// +kubebuilder:validation:MaxLength=128
	// +optional
	RequestID string `json:"requestID,omitempty"`
}

// PhoneNumber is a phone number in E.164 form.
type PhoneNumber struct {
	// value is the number in E.164 form, e.g. "+358401234567".
	Value string `json:"value"`
	// extension is the number's extension, which E.164 cannot hold: "1"
	// from "tel:+1-201-555-0123;ext=1" or "+1 201 555 0123 ext. 1".
	// +kubebuilder:validation:MaxLength=40
	// +optional
	Extension string `json:"extension,omitempty"`
	// type is the number's label as sent, e.g. "work" or "mobile".
	// +optional
	Type string `json:"type,omitempty"`
	// primary marks the user's preferred number.
	// +optional
	Primary bool `json:"primary,omitempty"`
}

// ScimUser is one identity provisioned into a tenant, by an identity
// provider over SCIM or by hand. Its name is its SCIM id.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=suser;scimu,categories=scim
// +kubebuilder:printcolumn:name="UserName",type=string,JSONPath=`.spec.userName`
// +kubebuilder:printcolumn:name="Active",type=boolean,JSONPath=`.spec.active`
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Tenant",type=string,JSONPath=`.spec.tenantRef.name`
// +kubebuilder:printcolumn:name="Managed-By",type=string,JSONPath=`.spec.managedBy`,priority=1
// +kubebuilder:printcolumn:name="Purge-At",type=string,format=date-time,JSONPath=`.status.purgeAt`
// +kubebuilder:printcolumn:name="Display-Name",type=string,JSONPath=`.spec.displayName`,priority=1
// +kubebuilder:printcolumn:name="Attributes",type=string,JSONPath=`.status.conditions[?(@.type=="AttributesValid")].reason`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type ScimUser struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   ScimUserSpec   `json:"spec"`
	Status ScimUserStatus `json:"status,omitempty"`
}

// ScimUserList is a list of ScimUsers.
// +kubebuilder:object:root=true
type ScimUserList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ScimUser `json:"items"`
}

func init() {
	knownTypes = append(knownTypes, &ScimUser{}, &ScimUserList{})
}
