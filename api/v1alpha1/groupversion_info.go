// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

// Package v1alpha1 contains the API types of the scim.provisioning.io group:
// SCIM tenants and the users and groups identity providers provision into
// them. It also holds the lifecycle rules the SCIM server and the
// reconcilers share (what a user's unique values are, what "deleted over
// SCIM" means, how values are case-folded), the one package both import.
// +kubebuilder:object:generate=true
// +groupName=scim.provisioning.io
package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var (
	// GroupVersion is the group and version of every type in this package.
	GroupVersion = schema.GroupVersion{Group: "scim.provisioning.io", Version: "v1alpha1"}

	// SchemeBuilder registers the types of this package with a scheme.
	SchemeBuilder = runtime.NewSchemeBuilder(addKnownTypes)

	// AddToScheme adds the types of this package to a scheme.
	AddToScheme = SchemeBuilder.AddToScheme

	// knownTypes is filled by each kind's file, next to its type.
	knownTypes []runtime.Object
)

func addKnownTypes(s *runtime.Scheme) error {
	s.AddKnownTypes(GroupVersion, knownTypes...)
	metav1.AddToGroupVersion(s, GroupVersion)
	return nil
}
