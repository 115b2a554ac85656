// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ClaimKind is what a ScimClaim makes unique within a tenant.
// +kubebuilder:validation:Enum=UserName;Email;GroupDisplayName
type ClaimKind string

// The values that must be unique within a tenant.
const (
	ClaimUserName         ClaimKind = "UserName"
	ClaimEmail            ClaimKind = "Email"
	ClaimGroupDisplayName ClaimKind = "GroupDisplayName"
)

// ScimClaimSpec records which identity holds a unique value.
type ScimClaimSpec struct {
	// tenantRef is the tenant within which the value is unique.
	TenantRef TenantReference `json:"tenantRef"`

	// kind of value claimed.
	Kind ClaimKind `json:"kind"`

	// value claimed, as the identity provider sent it. Values are compared
	// case-insensitively: the claim's name is derived from the lower-cased
	// value.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=2048
	Value string `json:"value"`

	// holder is the name (SCIM id) of the ScimUser or ScimGroup holding the
	// value.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Holder string `json:"holder"`
}

// ScimClaim reserves a value that must be unique within a tenant (a
// userName, an email address, a group's displayName) for one identity.
// Creating an object is atomic in the API server, so two SCIM server
// replicas racing to create the same userName cannot both succeed, whatever
// their caches say. The SCIM server writes and removes claims; they are
// internal bookkeeping, not for editing.
// +kubebuilder:object:root=true
// +kubebuilder:resource:shortName=sclaim
// +kubebuilder:printcolumn:name="Tenant",type=string,JSONPath=`.spec.tenantRef.name`
// +kubebuilder:printcolumn:name="Kind",type=string,JSONPath=`.spec.kind`
// +kubebuilder:printcolumn:name="Value",type=string,JSONPath=`.spec.value`
// +kubebuilder:printcolumn:name="Holder",type=string,JSONPath=`.spec.holder`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type ScimClaim struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec ScimClaimSpec `json:"spec"`
}

// ScimClaimList is a list of ScimClaims.
// +kubebuilder:object:root=true
type ScimClaimList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ScimClaim `json:"items"`
}

func init() {
	knownTypes = append(knownTypes, &ScimClaim{}, &ScimClaimList{})
}
