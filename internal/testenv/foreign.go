// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package testenv

import (
	"context"
	"fmt"
	"strings"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// ForeignKind is another project's kind that an optional part of the
// install, or the docs, use. Version is v1 when empty.
type ForeignKind struct{ Group, Kind, Plural, Version string }

func (k ForeignKind) version() string {
	if k.Version == "" {
		return "v1"
	}
	return k.Version
}

// ForeignKinds are the kinds the install's optional parts use: the
// Prometheus Operator's, cert-manager's and the Gateway API's. The API
// server only needs to know them to take the objects; their own CRDs
// validate them in a real cluster.
var ForeignKinds = []ForeignKind{
	{"monitoring.coreos.com", "ServiceMonitor", "servicemonitors", ""},
	{"monitoring.coreos.com", "PrometheusRule", "prometheusrules", ""},
	{"cert-manager.io", "Certificate", "certificates", ""},
	{"cert-manager.io", "Issuer", "issuers", ""},
	{"gateway.networking.k8s.io", "HTTPRoute", "httproutes", ""},
}

// InstallForeignKinds creates a CRD that takes any object for each of
// kinds, ForeignKinds when none are given, and waits until the API
// server serves them all.
func InstallForeignKinds(ctx context.Context, cfg *rest.Config, kinds ...ForeignKind) error {
	if len(kinds) == 0 {
		kinds = ForeignKinds
	}
	s := runtime.NewScheme()
	if err := apiextensionsv1.AddToScheme(s); err != nil {
		return fmt.Errorf("add CRDs to the scheme: %w", err)
	}
	c, err := client.New(cfg, client.Options{Scheme: s})
	if err != nil {
		return fmt.Errorf("create a client: %w", err)
	}
	for _, k := range kinds {
		if err := c.Create(ctx, stubCRD(k)); err != nil {
			return fmt.Errorf("create a CRD for %s.%s: %w", k.Plural, k.Group, err)
		}
	}
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return fmt.Errorf("create a discovery client: %w", err)
	}
	// The API server learns the new kinds' resources asynchronously.
	err = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		for _, k := range kinds {
			list, err := dc.ServerResourcesForGroupVersion(k.Group + "/" + k.version())
			if err != nil || !servesPlural(list, k.Plural) {
				return false, nil //nolint:nilerr // not served yet: ask again
			}
		}
		return true, nil
	})
	if err != nil {
		return fmt.Errorf("wait for the API server to serve the foreign kinds: %w", err)
	}
	return nil
}

func servesPlural(list *metav1.APIResourceList, plural string) bool {
	for _, r := range list.APIResources {
		if r.Name == plural {
			return true
		}
	}
	return false
}

func stubCRD(k ForeignKind) *apiextensionsv1.CustomResourceDefinition {
	return &apiextensionsv1.CustomResourceDefinition{
		ObjectMeta: metav1.ObjectMeta{
			Name: k.Plural + "." + k.Group,
			// The Gateway API's group is a Kubernetes one: its CRDs say
			// where their API was approved.
			Annotations: map[string]string{"api-approved.kubernetes.io": "https://github.com/kubernetes-sigs/gateway-api/pull/891"},
		},
		Spec: apiextensionsv1.CustomResourceDefinitionSpec{
			Group: k.Group,
			Names: apiextensionsv1.CustomResourceDefinitionNames{Kind: k.Kind, Plural: k.Plural, ListKind: k.Kind + "List", Singular: strings.ToLower(k.Kind)},
			Scope: apiextensionsv1.NamespaceScoped,
			Versions: []apiextensionsv1.CustomResourceDefinitionVersion{{
				Name: k.version(), Served: true, Storage: true,
				Schema: &apiextensionsv1.CustomResourceValidation{OpenAPIV3Schema: &apiextensionsv1.JSONSchemaProps{
					Type: "object", XPreserveUnknownFields: ptr.To(true),
				}},
			}},
		},
	}
}
