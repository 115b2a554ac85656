// Copyright 2026 The scim-operator Authors
// SPDX-License-Identifier: Apache-2.0

package operator

import (
	"fmt"
	"net/http"
	"sync"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"
)

// knownMappings remembers each mapping of a kind and version once found.
// controller-runtime's cache asks for the mapping on every Get and List,
// to learn whether the kind is namespaced, and the dynamic mapper builds
// it afresh each time: a third of what a SCIM lookup allocated, and what
// a request allocates brings the garbage collector on for every tenant.
// A version's scope and resource cannot change while it is served, so a
// mapping found stays true; what is not found is asked again, so that a
// CRD installed later is still learned.
type knownMappings struct {
	meta.RESTMapper
	mu    sync.RWMutex
	found map[mappingKey]*meta.RESTMapping
}

type mappingKey struct {
	kind    schema.GroupKind
	version string
}

// newRESTMapper is the manager's MapperProvider: the dynamic mapper, its
// single-version mappings remembered.
func newRESTMapper(cfg *rest.Config, hc *http.Client) (meta.RESTMapper, error) {
	m, err := apiutil.NewDynamicRESTMapper(cfg, hc)
	if err != nil {
		return nil, fmt.Errorf("create REST mapper: %w", err)
	}
	return &knownMappings{RESTMapper: m, found: map[mappingKey]*meta.RESTMapping{}}, nil
}

// RESTMapping answers a kind asked for in one version from what it found
// before. The mapping returned is shared: callers read it.
func (m *knownMappings) RESTMapping(gk schema.GroupKind, versions ...string) (*meta.RESTMapping, error) {
	key := mappingKey{kind: gk}
	if len(versions) == 1 {
		key.version = versions[0]
		m.mu.RLock()
		mapping, ok := m.found[key]
		m.mu.RUnlock()
		if ok {
			return mapping, nil
		}
	}
	mapping, err := m.RESTMapper.RESTMapping(gk, versions...)
	if err != nil {
		return nil, fmt.Errorf("map %s %v: %w", gk, versions, err)
	}
	if len(versions) != 1 {
		return mapping, nil
	}
	m.mu.Lock()
	m.found[key] = mapping
	m.mu.Unlock()
	return mapping, nil
}
