// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

const (
	// MaxMembersPerSlice bounds one ScimGroupMemberSlice (about 300 KiB at
	// most), the API server's limit on what one slice may hold.
	MaxMembersPerSlice = 5000

	// MemberSliceFill is how many members the SCIM server puts into one
	// slice before it starts the next. New members fill the group's open
	// slices, so a batch of adds rewrites one or two small slices however
	// large the group: the bytes one member change writes stay bounded.
	// Concurrent writers can exceed it in a slice, up to
	// MaxMembersPerSlice.
	MemberSliceFill = 1000

	// MaxGroupMembers bounds one group's members.
	MaxGroupMembers = 320000
)

// GroupMember is one member of a group.
type GroupMember struct {
	// value is the member's SCIM id: the name of a ScimUser of the same
	// tenant.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Value string `json:"value"`
}

// ScimGroupMemberSliceSpec holds part of one group's member list.
type ScimGroupMemberSliceSpec struct {
	// groupRef is the ScimGroup, in the same namespace, whose members these
	// are. Immutable.
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="groupRef is immutable: a slice cannot move between groups"
	GroupRef GroupReference `json:"groupRef"`

	// tenantRef is the group's tenant. Immutable.
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="tenantRef is immutable: a slice cannot move between tenants"
	TenantRef TenantReference `json:"tenantRef"`

	// The list is atomic: as a list map, every write would make the API
	// server track, and store beside the members, a managed-fields entry
	// per member, larger than the member itself.

	// members of the group held by this slice. A user is a member of a group
	// when any of the group's slices lists it; a value listed twice counts
	// once. The operator writes the list whole.
	// +kubebuilder:validation:MaxItems=5000
	// +listType=atomic
	// +optional
	Members []GroupMember `json:"members,omitempty"`
}

// GroupReference names a ScimGroup in the same namespace.
type GroupReference struct {
	// name of the ScimGroup.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
}

// ScimGroupMemberSlice holds part of one ScimGroup's members. A group's
// membership is the union of its slices, so that large groups are stored
// in objects of bounded size and one member change rewrites one small
// object, as EndpointSlices do for Services.
// +kubebuilder:object:root=true
// +kubebuilder:resource:shortName=sgms
// +kubebuilder:printcolumn:name="Group",type=string,JSONPath=`.spec.groupRef.name`
// +kubebuilder:printcolumn:name="Tenant",type=string,JSONPath=`.spec.tenantRef.name`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type ScimGroupMemberSlice struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec ScimGroupMemberSliceSpec `json:"spec"`
}

// ScimGroupMemberSliceList is a list of ScimGroupMemberSlices.
// +kubebuilder:object:root=true
type ScimGroupMemberSliceList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ScimGroupMemberSlice `json:"items"`
}

func init() {
	knownTypes = append(knownTypes, &ScimGroupMemberSlice{}, &ScimGroupMemberSliceList{})
}
