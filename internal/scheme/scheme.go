// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

// Package scheme is the runtime scheme of the operator and its tools: the
// built-in Kubernetes kinds and the scim.provisioning.io kinds.
package scheme

import (
	"fmt"

	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
)

// New knows the built-in kinds and this operator's own.
func New() (*runtime.Scheme, error) {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		return nil, fmt.Errorf("add client-go types to scheme: %w", err)
	}
	if err := v1alpha1.AddToScheme(s); err != nil {
		return nil, fmt.Errorf("add %s types to scheme: %w", v1alpha1.GroupVersion, err)
	}
	return s, nil
}
