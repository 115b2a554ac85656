// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ScimTokenVerifierSpec is what the SCIM server checks one tenant's
// bearer tokens against: digests, never tokens.
type ScimTokenVerifierSpec struct {
	// tenant is the tenant, "namespace/name", whose tokens this verifies.
	// +kubebuilder:validation:MinLength=3
	// +kubebuilder:validation:MaxLength=317
	Tenant string `json:"tenant"`

	// current is the SHA-256 digest of the tenant's token.
	// +kubebuilder:validation:MaxLength=64
	Current []byte `json:"current"`

	// currentSince is when the operator first saw the current token: the
	// token's age, and the start of the previous token's grace period.
	CurrentSince metav1.Time `json:"currentSince"`

	// previous is the digest of the token replaced last, accepted until
	// previousExpiresAt.
	// +kubebuilder:validation:MaxLength=64
	// +optional
	Previous []byte `json:"previous,omitempty"`

	// previousExpiresAt is when the previous token stops being accepted.
	// +optional
	PreviousExpiresAt *metav1.Time `json:"previousExpiresAt,omitempty"`
}

// ScimTokenVerifier holds what one tenant's tokens are checked against.
// The tenant controller publishes one per tenant with a usable token, in
// the operator's namespace, and the SCIM server reads them: a kind of its
// own, so that the server, which faces the internet, may read verifiers
// and nothing else, no Secret at all. A SHA-256 digest of a token of at
// least 32 characters (43 random ones when the operator generates it)
// cannot be turned back into the token; see docs/security.md.
// +kubebuilder:object:root=true
// +kubebuilder:resource:shortName=sverifier
// +kubebuilder:printcolumn:name="Tenant",type=string,JSONPath=`.spec.tenant`
// +kubebuilder:printcolumn:name="Token-Since",type=date,JSONPath=`.spec.currentSince`
// +kubebuilder:printcolumn:name="Previous-Expires",type=date,JSONPath=`.spec.previousExpiresAt`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type ScimTokenVerifier struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec ScimTokenVerifierSpec `json:"spec"`
}

// ScimTokenVerifierList is a list of ScimTokenVerifiers.
// +kubebuilder:object:root=true
type ScimTokenVerifierList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ScimTokenVerifier `json:"items"`
}

func init() {
	knownTypes = append(knownTypes, &ScimTokenVerifier{}, &ScimTokenVerifierList{})
}
