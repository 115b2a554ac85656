// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package v1alpha1_test

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"

	"github.com/scim-operator/scim-operator/api/v1alpha1"
	"github.com/scim-operator/scim-operator/internal/normalize"
)

// The server checks the bounds in Go before it writes; the API server
// checks the CRDs' markers when it stores. Both must say the same.
func TestBoundsMatchTheCRDs(t *testing.T) {
	for _, tc := range []struct {
		crd  string
		path []string
		max  func(*apiextensionsv1.JSONSchemaProps) *int64
		want int64
	}{
		{"scimusers", []string{"spec", "userName"}, maxLength, v1alpha1.MaxUserNameLength},
		{"scimusers", []string{"spec", "emails"}, maxItems, v1alpha1.MaxEmails},
		{"scimusers", []string{"spec", "emails", "[]", "value"}, maxLength, v1alpha1.MaxValueLength},
		{"scimgroups", []string{"spec", "displayName"}, maxLength, v1alpha1.MaxGroupDisplayNameLength},
		{"scimclaims", []string{"spec", "value"}, maxLength, v1alpha1.MaxValueLength},
		{"scimusers", []string{"status", "invalidAttributes"}, maxItems, v1alpha1.MaxInvalidAttributes},
		{"scimusers", []string{"status", "removedFromGroups"}, maxItems, v1alpha1.MaxRemovedFromGroups},
		// Status has a normalised number for each number of spec, at most.
		{"scimusers", []string{"status", "phoneNumbers"}, maxItems, *crdSchemaAt(t, "scimusers", "spec", "phoneNumbers").MaxItems},
	} {
		props := crdSchemaAt(t, tc.crd, tc.path...)
		if got := tc.max(props); got == nil || *got != tc.want {
			t.Errorf("%s %v: the CRD's bound is %v, the Go constant %d", tc.crd, tc.path, got, tc.want)
		}
	}
}

func maxLength(p *apiextensionsv1.JSONSchemaProps) *int64 { return p.MaxLength }

// crdSchemaAt is the schema of a property of a CRD, by path; "[]" steps
// into a list's items.
func crdSchemaAt(t *testing.T, plural string, path ...string) *apiextensionsv1.JSONSchemaProps {
	t.Helper()
	props := crdSchema(t, plural)
	for _, p := range path {
		if p == "[]" {
			props = props.Items.Schema
			continue
		}
		next, ok := props.Properties[p]
		if !ok {
			t.Fatalf("%s: no property %v", plural, path)
		}
		props = &next
	}
	return props
}
func maxItems(p *apiextensionsv1.JSONSchemaProps) *int64 { return p.MaxItems }

func crdSchema(t *testing.T, plural string) *apiextensionsv1.JSONSchemaProps {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "config", "crd", "bases", "scim.provisioning.io_"+plural+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	crd := &apiextensionsv1.CustomResourceDefinition{}
	if err := yaml.Unmarshal(data, crd); err != nil {
		t.Fatal(err)
	}
	return crd.Spec.Versions[0].Schema.OpenAPIV3Schema
}

// languageOverride's rule lists the ISO 639-1 codes an override may start
// with; each must be a language the user controller reads, so that an
// override the API server accepts always becomes the effective language.
func TestLanguageOverrideCodesAreLanguages(t *testing.T) {
	props := crdSchema(t, "scimusers").Properties["spec"].Properties["languageOverride"]
	if len(props.XValidations) != 1 {
		t.Fatalf("languageOverride has %d rules, want 1", len(props.XValidations))
	}
	codes := regexp.MustCompile(`'([a-z]{2})'`).FindAllStringSubmatch(props.XValidations[0].Rule, -1)
	if len(codes) < 180 {
		t.Fatalf("the rule lists %d codes, want the ISO 639-1 set", len(codes))
	}
	for _, c := range codes {
		if base, ok := normalize.Language(c[1]); !ok || base != c[1] {
			t.Errorf("override %q is accepted by the CRD but read as %q, %v", c[1], base, ok)
		}
	}
}
