// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package operator

import (
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// askedMapper counts what reaches the mapper knownMappings wraps.
type askedMapper struct {
	*meta.DefaultRESTMapper
	asked int
}

func (a *askedMapper) RESTMapping(gk schema.GroupKind, versions ...string) (*meta.RESTMapping, error) {
	a.asked++
	return a.DefaultRESTMapper.RESTMapping(gk, versions...)
}

func TestKnownMappingsAnswerFromWhatTheyFound(t *testing.T) {
	user := schema.GroupVersionKind{Group: "scim.provisioning.io", Version: "v1alpha1", Kind: "ScimUser"}
	inner := &askedMapper{DefaultRESTMapper: meta.NewDefaultRESTMapper([]schema.GroupVersion{user.GroupVersion()})}
	inner.Add(user, meta.RESTScopeNamespace)
	m := &knownMappings{RESTMapper: inner, found: map[mappingKey]*meta.RESTMapping{}}

	first, err := m.RESTMapping(user.GroupKind(), user.Version)
	if err != nil {
		t.Fatal(err)
	}
	if first.Scope.Name() != meta.RESTScopeNameNamespace || first.Resource.Resource != "scimusers" {
		t.Fatalf("mapping = %+v, want the namespaced scimusers", first)
	}
	// The caller's variadic slice is built once here, so that what is
	// counted is the lookup's own allocation.
	versions := []string{user.Version}
	allocs := testing.AllocsPerRun(100, func() {
		again, err := m.RESTMapping(user.GroupKind(), versions...)
		if err != nil || again != first {
			t.Fatalf("again = %v, %v; want the mapping found first", again, err)
		}
	})
	if inner.asked != 1 || allocs != 0 {
		t.Errorf("the wrapped mapper was asked %d times and a known mapping allocated %.0f times; want once and none", inner.asked, allocs)
	}

	// What is not found is asked again: a CRD installed later is learned.
	group := schema.GroupKind{Group: user.Group, Kind: "ScimGroup"}
	for range 2 {
		if _, err := m.RESTMapping(group, user.Version); !meta.IsNoMatchError(err) {
			t.Fatalf("err = %v, want no match", err)
		}
	}
	inner.Add(group.WithVersion(user.Version), meta.RESTScopeNamespace)
	if _, err := m.RESTMapping(group, user.Version); err != nil {
		t.Fatalf("a kind added later: %v", err)
	}
	// A mapping asked for in no or several versions is the wrapped mapper's.
	if _, err := m.RESTMapping(user.GroupKind()); err != nil {
		t.Fatal(err)
	}
	if inner.asked != 5 {
		t.Errorf("the wrapped mapper was asked %d times, want 5", inner.asked)
	}
}
