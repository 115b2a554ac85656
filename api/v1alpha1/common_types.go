// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package v1alpha1

// TenantReference names the ScimTenant an identity belongs to. Tenants and
// their identities always share a namespace, so only the name is needed.
type TenantReference struct {
	// name of the ScimTenant in the same namespace.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
}

// Condition types and reasons shared by the kinds of this group.
const (
	// ConditionReady summarises whether an object is fully reconciled.
	ConditionReady = "Ready"
	// ReasonReconciled: Ready is true: everything the object asks for is
	// done for its current generation.
	ReasonReconciled = "Reconciled"
)
