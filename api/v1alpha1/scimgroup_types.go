// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ScimGroupSpec is a group as the identity provider describes it (RFC 7643
// section 4.2). Its members are not listed here but in
// ScimGroupMemberSlices, so that a group can hold far more members than one
// object may.
type ScimGroupSpec struct {
	// tenantRef is the tenant that provisions this group. Immutable.
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="tenantRef is immutable: a group cannot move between tenants"
	TenantRef TenantReference `json:"tenantRef"`

	// managedBy says who owns this group: "SCIM" for groups an identity
	// provider pushed, "Manual" for groups created by hand.
	// +kubebuilder:default=Manual
	// +optional
	ManagedBy ManagedBy `json:"managedBy,omitempty"`

	// displayName is the group's name, unique within the tenant.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:XValidation:rule="self.trim().size() > 0",message="displayName must not be blank"
	DisplayName string `json:"displayName"`

	// externalId is the identity provider's own identifier for the group.
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	ExternalID string `json:"externalId,omitempty"`
}

// ScimGroupStatus is the observed state of a group.
type ScimGroupStatus struct {
	// memberCount is the number of members across the group's member slices.
	// +optional
	MemberCount int32 `json:"memberCount"`

	// conditions report on the group's reconciliation: Ready once users
	// that left are out of its member slices and the members are counted,
	// for the group's generation.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// observedGeneration is the spec generation this status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
}

// ScimGroup is one group provisioned into a tenant. Its name is its SCIM id.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=sgroup;scimg,categories=scim
// +kubebuilder:printcolumn:name="Display-Name",type=string,JSONPath=`.spec.displayName`
// +kubebuilder:printcolumn:name="Members",type=integer,JSONPath=`.status.memberCount`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Tenant",type=string,JSONPath=`.spec.tenantRef.name`
// +kubebuilder:printcolumn:name="Managed-By",type=string,JSONPath=`.spec.managedBy`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type ScimGroup struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   ScimGroupSpec   `json:"spec"`
	Status ScimGroupStatus `json:"status,omitempty"`
}

// ScimGroupList is a list of ScimGroups.
// +kubebuilder:object:root=true
type ScimGroupList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ScimGroup `json:"items"`
}

func init() {
	knownTypes = append(knownTypes, &ScimGroup{}, &ScimGroupList{})
}
